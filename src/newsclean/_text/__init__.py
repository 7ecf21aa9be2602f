"""The text wing: paragraphs and their layout, and the comparison key of a text (normalisation)."""
