"""Section forms built from the questionnaire data, validated on the server with messages in the page's language.

Fields are rendered by Jinja macros (``templates/_macros.html``), not WTForms widgets: WTForms gives us
parsing, CSRF and validation; the macros give GOV.UK markup at a tenth of the cost per radio.
"""

from functools import cache

from flask_babel import format_number
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms import TextAreaField
from wtforms.validators import StopValidation


def field_name(answer_key):
    """Return the form field (and HTML name) for an answer key: matrix rows are stored as 'question.row'."""
    return answer_key.replace(".", "__")


class OptionsField(Field):
    """The option ids posted under one name, as a list: one for a radio group, any number for checkboxes."""

    def process_formdata(self, valuelist):
        self.data = [value for value in valuelist if value != ""]

    def process_data(self, value):
        self.data = list(value or [])


@cache
def choice_items(question, lang):
    """Return (option id, label, id suffix, 'or' divider before it) for each option, computed once.

    The first input's id is the field name itself, so that the error summary can link to it (GOV.UK);
    a final "don't know" or exclusive option is set apart by an "or" divider in vertical lists.
    """
    count = len(question.options)
    return tuple(
        (
            option.id,
            option.label[lang],
            "" if index == 0 else f"-{index + 1}",
            index == count - 1 and count > 2 and (option.dont_know or option.id in question.exclusive),
        )
        for index, option in enumerate(question.options)
    )


def _strip(value):
    # Browsers send a line break in a textarea as CRLF; count it as the one character the user typed.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def _applies(question, form):
    """Whether a conditional question applies, given the answer it depends on in the same form."""
    if question.required_if is None:
        return True
    other = form[field_name(question.required_if.question)]
    return bool(set(other.data or []) & set(question.required_if.options))


def _is_required(question, form):
    if question.required_if is None:
        return not question.optional
    return _applies(question, form)


def _choice_validator(question):
    """Return the validator of one radio group or checkbox group of ``question``."""
    known = {option.id for option in question.options}

    def validate(form, field):
        values = field.data
        if not values:
            if _is_required(question, form):
                if question.handler.several:
                    raise StopValidation(gettext("Select at least one option."))
                raise StopValidation(gettext("Select one option."))
            return
        if not set(values) <= known or len(set(values)) != len(values):
            raise StopValidation(gettext("Select from the options shown."))
        if not question.handler.several and len(values) > 1:
            raise StopValidation(gettext("Select only one option."))
        if question.max_choices and len(values) > question.max_choices:
            raise StopValidation(
                gettext("Select at most %(count)s options.", count=format_number(question.max_choices))
            )
        for option_id in question.exclusive:
            if option_id in values and len(values) > 1:
                label = question.option(option_id).label(form.meta.lang)
                raise StopValidation(
                    gettext("“%(option)s” cannot be chosen together with other options.", option=label)
                )

    return validate


def _length_validator(question):
    def validate(form, field):
        length = len(field.data or "")
        if length > question.max_length:
            raise StopValidation(
                gettext(
                    "The answer is too long: at most %(limit)s characters, now %(length)s.",
                    limit=format_number(question.max_length),
                    length=format_number(length),
                )
            )

    return validate


class ChoiceFields:
    """The fields of a choice question (radios, checkboxes, a matrix of radios): one list of option ids per
    answer key."""

    def fields(self, question):
        """Return {field name: unbound field} of the question."""
        return {
            field_name(key): OptionsField(validators=[_choice_validator(question)]) for key in question.answer_keys()
        }

    def saved(self, question, answers):
        """Return {field name: value} of the question's stored answers, as the page shows them."""
        return {field_name(key): answers.choices.get(key, []) for key in question.answer_keys()}

    def collect(self, question, form, choices, texts):
        """Add the question's answers in a validated form to ``choices`` or ``texts``."""
        if not _applies(question, form):
            # A population band left over from another organisation type is not an answer of this one.
            return
        for key in question.answer_keys():
            values = form[field_name(key)].data
            if values:
                choices[key] = values


class TextFields:
    """The field of a free-text question: one textarea."""

    def fields(self, question):
        return {field_name(question.id): TextAreaField(filters=[_strip], validators=[_length_validator(question)])}

    def saved(self, question, answers):
        return {field_name(question.id): answers.texts.get(question.id, "")}

    def collect(self, question, form, choices, texts):
        texts[question.id] = form[field_name(question.id)].data or ""


# The form side of each question type (core.question_types has the rest); a new type adds its handler here.
FIELD_HANDLERS = {"single": ChoiceFields(), "multiple": ChoiceFields(), "matrix": ChoiceFields(), "text": TextFields()}


@cache
def _form_class(section):
    fields = {}
    for question in section.questions:
        fields.update(FIELD_HANDLERS[question.type].fields(question))
    return type(f"{section.id.title()}Form", (FlaskForm,), fields)


def section_form(section, lang):
    """Return the form of ``section``, filled from the POST body, to validate."""
    form = _form_class(section)()
    form.meta.lang = lang
    return form


def saved_values(section, answers):
    """Return the stored answers of a section as the page shows them: field name -> options, or text."""
    values = {}
    for question in section.questions:
        values.update(FIELD_HANDLERS[question.type].saved(question, answers))
    return values


def form_values(form):
    """Return what was posted, as the page shows it again: field name -> options, or text."""
    return {field.name: field.data for field in form if field.name != "csrf_token"}


def form_errors(form):
    """Return the first error of each field in error: GOV.UK shows one message per field."""
    return {field.name: field.errors[0] for field in form if field.errors and field.name != "csrf_token"}


def section_answers(section, form):
    """Return (choices, texts) of a validated section form, keyed by answer key."""
    choices = {}
    texts = {}
    for question in section.questions:
        FIELD_HANDLERS[question.type].collect(question, form, choices, texts)
    return choices, texts


def error_summary(errors, section, lang):
    """Return (text, href) for each field in error, in page order, for the error summary."""
    items = []
    for question in section.questions:
        for key in question.answer_keys():
            name = field_name(key)
            if name in errors:
                row = question.row(key)
                label = row.label(lang) if row else question.text(lang)
                items.append((f"{label} – {errors[name]}", f"#{name}"))
    return items
