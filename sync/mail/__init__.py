"""The e-mails iBOK sends: subject, plain text and HTML in the recipient's language."""
