"""The lookup names an administrator translates per language (django-modeltranslation)."""

from pipeline_crm.lookups import translate_names

from .models import BusinessArea, ContactRole, CustomerType, Industry, LeadSource, Segment

translate_names(BusinessArea, Segment, Industry, CustomerType, ContactRole, LeadSource)
