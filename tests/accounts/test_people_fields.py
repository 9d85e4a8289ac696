"""The people pickers: only the picked people are rendered, and typed names or email
addresses are resolved on submit (an exact email, a unique name; several matches come
back as choices, none as an error, and what was typed is kept)."""

from django import forms

from accounts.people_fields import PeopleField, PersonField, name_and_email
from tests.factories import UserFactory


class PickForm(forms.Form):
    owner = PersonField(required=False)
    lead = PersonField(person_label=name_and_email)
    authors = PeopleField(required=False)


def _people():
    return (
        UserFactory(display_name="Bea <b>Bold</b>", email="bea@example.com"),
        UserFactory(display_name="Cal Moss", email="cal@example.com"),
        UserFactory(display_name="Cal Berg", email="berg@example.com"),
        UserFactory(display_name="Ann", email="ann@example.com", is_active=False),
    )


def test_an_empty_picker_renders_no_one_and_a_labelled_text_input(db, django_assert_num_queries):
    for _ in range(30):
        UserFactory()
    form = PickForm()
    with django_assert_num_queries(0):
        html = str(form["owner"])
    assert "<option" not in html
    assert "checkbox" not in html
    assert '<input type="text" name="owner_text" value=""' in html
    assert 'id="id_owner"' in html
    assert 'aria-describedby="id_owner_hint"' in html
    assert "required" not in str(form["lead"]).split("<input")[1]  # a chip may be the answer


def test_picked_people_render_as_checked_checkboxes_escaped_in_one_statement(
    db, django_assert_num_queries
):
    bea, cal, _berg, _gone = _people()
    for _ in range(30):
        UserFactory()
    form = PickForm(initial={"lead": bea.pk, "authors": [bea, cal]})
    with django_assert_num_queries(1):
        lead = str(form["lead"])
    assert f'<input type="checkbox" name="lead" value="{bea.pk}"' in lead
    assert "Bea &lt;b&gt;Bold&lt;/b&gt; (bea@example.com)</label>" in lead
    with django_assert_num_queries(1):
        authors = str(form["authors"])
    assert authors.count('type="checkbox"') == 2
    assert authors.index(f'value="{bea.pk}"') < authors.index(f'value="{cal.pk}"')


def test_ids_are_checked_as_before_and_an_inactive_person_is_refused(db):
    bea, cal, _berg, gone = _people()
    form = PickForm(data={"owner": str(cal.pk), "lead": str(bea.pk)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["owner"] == cal
    assert form.cleaned_data["lead"] == bea
    assert list(form.cleaned_data["authors"]) == []
    form = PickForm(data={"lead": str(gone.pk), "authors": [str(bea.pk), str(gone.pk)]})
    assert not form.is_valid()
    assert "lead" in form.errors
    assert "authors" in form.errors


def test_an_exact_email_picks_that_person(db):
    bea, *_ = _people()
    form = PickForm(data={"lead_text": "  BEA@example.com "})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["lead"] == bea


def test_a_unique_name_picks_that_person_and_typing_replaces_the_chip(db):
    bea, cal, _berg, _gone = _people()
    form = PickForm(data={"lead": str(bea.pk), "lead_text": "moss"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["lead"] == cal


def test_several_matches_are_an_error_listing_them_as_choices_and_the_text_is_kept(db):
    _bea, cal, berg, _gone = _people()
    form = PickForm(data={"lead_text": "Cal"})
    assert not form.is_valid()
    assert "Several people match “Cal”" in form.errors["lead"][0]
    html = str(form["lead"])
    assert "<legend>Who is “Cal”?</legend>" in html
    assert f'type="radio" name="lead" value="{cal.pk}"' in html
    assert f'type="radio" name="lead" value="{berg.pk}"' in html
    assert 'name="lead_text" value="Cal"' in html
    # Picking one of them settles it.
    form = PickForm(data={"lead_text": "Cal", "lead": str(berg.pk)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["lead"] == berg


def test_no_match_and_an_inactive_persons_email_are_clear_errors(db):
    _people()
    for typed in ("Zed", "ann@example.com"):
        form = PickForm(data={"lead_text": typed})
        assert not form.is_valid()
        assert form.errors["lead"] == [
            f"No active person matches “{typed}”. Type a full name or an email address."
        ]
        assert f'name="lead_text" value="{typed}"' in str(form["lead"])


def test_multi_adds_typed_people_to_the_chips_and_asks_about_ambiguous_terms(db):
    bea, cal, berg, _gone = _people()
    data = {"lead": str(bea.pk), "authors": [str(bea.pk)], "authors_text": "moss, Cal"}
    form = PickForm(data=data)
    assert not form.is_valid()
    assert len(form.errors["authors"]) == 1  # "moss" is Cal Moss; "Cal" is two people
    html = str(form["authors"])
    assert f'type="checkbox" name="authors" value="{bea.pk}" id="id_authors_chip_{bea.pk}"' in html
    assert f'type="checkbox" name="authors" value="{berg.pk}"' in html
    assert 'value="moss, Cal"' in html
    form = PickForm(data={**data, "authors": [str(bea.pk), str(berg.pk)]})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["authors"] == [bea, berg, cal]


def test_a_required_multi_accepts_typed_people_alone(db):
    bea, *_ = _people()

    class Required(forms.Form):
        authors = PeopleField()

    assert not Required(data={}).is_valid()
    form = Required(data={"authors_text": "bea@example.com,"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["authors"] == [bea]


def test_resolution_is_scoped_to_the_fields_people(db):
    bea, _cal, *_ = _people()
    form = PickForm(data={"lead_text": "bea@example.com"})
    lead = form.fields["lead"]
    assert isinstance(lead, PersonField)
    lead.queryset = lead.queryset.exclude(pk=bea.pk)
    assert not form.is_valid()
