"""The lookup names an administrator translates per language (django-modeltranslation)."""

from pipeline_crm.lookups import translate_names

from .models import ActivityType

translate_names(ActivityType)
