"""The journal: what happened, durably, in order, tamper-evident. SQLAlchemy models and store."""
