"""The people pickers render Django's own `<select>` markup, one statement per field."""

from django import forms

from accounts.people_fields import PeopleField, PersonField, name_and_email
from tests.factories import UserFactory


class PickForm(forms.Form):
    owner = PersonField(required=False)
    lead = PersonField(person_label=name_and_email)
    authors = PeopleField(required=False, attrs={"size": 6})


def _people():
    return (
        UserFactory(display_name="Bea <b>Bold</b>", email="bea@example.com"),
        UserFactory(display_name="Cal", email="cal@example.com"),
        UserFactory(display_name="Ann", email="ann@example.com", is_active=False),
    )


def test_options_are_active_people_by_name_escaped_with_the_empty_choice_first(db):
    bea, cal, _gone = _people()
    html = str(PickForm()["owner"])
    assert html == (
        '<select name="owner" id="id_owner">'
        '<option value="" selected>---------</option>'
        f'<option value="{bea.pk}">Bea &lt;b&gt;Bold&lt;/b&gt;</option>'
        f'<option value="{cal.pk}">Cal</option>'
        "</select>"
    )


def test_required_choice_is_marked_required_selects_the_initial_and_labels_with_email(db):
    bea, _cal, _gone = _people()
    html = str(PickForm(initial={"lead": bea.pk})["lead"])
    assert html.startswith('<select name="lead" required id="id_lead">')
    assert '<option value="">---------</option>' in html  # as Django's: nothing preselected
    assert (
        f'<option value="{bea.pk}" selected>Bea &lt;b&gt;Bold&lt;/b&gt; (bea@example.com)' in html
    )


def test_multiple_marks_every_chosen_person_and_keeps_attributes(db):
    bea, cal, _gone = _people()
    html = str(PickForm(initial={"authors": [bea.pk, cal.pk]})["authors"])
    assert html.startswith('<select name="authors" size="6" id="id_authors" multiple>')
    assert f'<option value="{bea.pk}" selected>' in html
    assert f'<option value="{cal.pk}" selected>' in html
    assert '<option value="">' not in html


def test_a_bound_form_with_errors_keeps_what_was_chosen(db):
    bea, cal, gone = _people()
    form = PickForm(data={"owner": str(cal.pk), "authors": [str(bea.pk), str(gone.pk)]})
    assert not form.is_valid()
    assert "lead" in form.errors
    assert "authors" in form.errors  # an inactive person cannot be chosen
    assert f'<option value="{cal.pk}" selected>' in str(form["owner"])
    assert f'<option value="{bea.pk}" selected>' in str(form["authors"])


def test_valid_data_gives_users_and_no_authors_is_an_empty_choice(db):
    bea, cal, _gone = _people()
    form = PickForm(data={"owner": str(cal.pk), "lead": str(bea.pk)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["owner"] == cal
    assert form.cleaned_data["lead"] == bea
    assert list(form.cleaned_data["authors"]) == []


def test_one_statement_per_field_however_many_people(db, django_assert_num_queries):
    for _ in range(30):
        UserFactory()
    form = PickForm()
    with django_assert_num_queries(3):
        html = "".join(str(form[name]) for name in ("owner", "lead", "authors"))
    assert html.count("<option") == 31 + 31 + 30
