"""Anki packages (.apkg): note types and the package builder, with genanki. Pure: no database."""
