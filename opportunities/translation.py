"""The lookup names an administrator translates per language (django-modeltranslation).

Not products, whose names are the catalogue's own words as printed on quotes and order lines,
nor competitors, which are company names.
"""

from pipeline_crm.lookups import translate_names

from .models import DealType, ForecastCategory, LossReason, ProductGroup, Stage

translate_names(Stage, ForecastCategory, LossReason, DealType, ProductGroup)
