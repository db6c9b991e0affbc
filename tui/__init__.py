"""The Textual chat over the notes. Only this package imports textual; the CLI imports it lazily."""
