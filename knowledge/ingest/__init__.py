"""Reading files into documents: readers per format, text encodings, chunking into passages."""
