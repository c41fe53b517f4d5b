"""What a person touches: the Qt window (roundtable-desk) and the command line (roundtable)."""
