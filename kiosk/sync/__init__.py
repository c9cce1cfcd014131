"""Upload of the journal to the back-office hub, and the hub server itself."""
