"""A software PBOC 3.0 card, personalised from a profile, and its bridges to readers."""
