"""The resident's own page: what is held about them, who saw it, their consents with a way to
withdraw them, and a message to their coach — opened with a letter the coach hands over in
person, without DigiD."""
