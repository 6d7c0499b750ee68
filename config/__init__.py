"""The one settings object, logging set-up and the ibok command line root."""
