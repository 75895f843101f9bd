"""Bridge between HighLevel (GHL) and Ninox: field mapping, upserts, two-way sync, CLI.

Not built yet: only the command-line entry point exists. See the README for status.
"""
