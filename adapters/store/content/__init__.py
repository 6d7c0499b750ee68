"""The utility's own content: announcements, forms to download and the terms of service with consents."""
