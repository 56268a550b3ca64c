from django.db import DatabaseError

from pipeline_crm.kept_checks import first, machinery_errors, recount_errors


def _describe(alias, found):
    return f"{alias}: {first(found)}"


def test_first_names_five_and_counts_the_rest():
    assert first([1, 2]) == "1; 2"
    assert first(list(range(8)), sep=", ") == "0, 1, 2, 3, 4 and 3 more"
    assert first(["a", "b"], name=str.upper) == "A; B"


def test_machinery_errors_name_each_database_missing_something():
    missing = {"default": ["trigger"], "other": [], "far": None}.get
    errors = machinery_errors(
        ["default", "other", "far"], missing=missing, describe=_describe, hint="h", id="x.E001"
    )
    assert [(e.id, e.msg, e.hint) for e in errors] == [("x.E001", "default: trigger", "h")]


def test_recount_errors_skip_what_keeps_nothing_or_cannot_be_read():
    def differences(alias):
        if alias == "broken":
            raise DatabaseError("gone")
        return {"default": ["a/b"], "agrees": []}[alias]

    errors = recount_errors(
        ["default", "agrees", "broken", "unkept"],
        kept=lambda alias: alias != "unkept",
        differences=differences,
        describe=_describe,
        hint="h",
        id="x.E002",
    )
    assert [e.msg for e in errors] == ["default: a/b"]
    # Without --database the recount, a scan, does not run.
    assert (
        recount_errors(
            None, kept=bool, differences=differences, describe=_describe, hint="h", id="x.E002"
        )
        == []
    )
