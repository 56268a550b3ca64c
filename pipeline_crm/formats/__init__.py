"""Date and time formats of the site's languages where they differ from Django's own
(settings.FORMAT_MODULE_PATH); what a module here leaves out comes from Django's module for
the same locale."""
