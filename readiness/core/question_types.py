"""One handler per question type: what the type means for its definition, its answer keys, combining several
respondents' answers, and the columns of the answers dataset (in the manner of the ONS eQ runner's field
handlers). A new type is a new handler here, a form field handler in ``web/forms.py`` and a field macro in
``templates/_macros.html``; every other module asks the handler."""


class SingleChoice:
    """One option per answer: radios."""

    id = "single"
    # Free text is kept apart from choices: it is never counted, scored, combined or compared.
    free_text = False
    several = False

    def problem(self, question):
        """Return what is wrong with a question of this type as defined, or None."""
        if len(question.options) < 2:
            return "needs at least two options"
        if question.rows:
            return "rows belong to matrix questions, and every matrix question has them"
        return None

    def answer_keys(self, question):
        """Return the ids under which a question's answers are stored."""
        return (question.id,)

    def combine(self, given, order, points):
        """Return the combined answer of several respondents' answers ``given`` (lists of option ids) in the
        options' ``order``: the median on the model's ``points`` if the question is scored (None if not),
        otherwise the most common answer."""
        answers = [options[0] for options in given]
        if points:
            scored = sorted((points[a], order.index(a)) for a in answers if a in points)
            if scored:
                return [order[scored[(len(scored) - 1) // 2][1]]]
        return [_most_common(answers, order)]

    def columns(self, question):
        """Return the dataset's columns for a question: (column, row, option, note) for the codebook, each
        option of a choice column listed with the column."""
        # A retired option is listed too, so that the codebook explains every value an export can hold.
        return [
            (key, question.row(key), option, "poistettu vaihtoehto" if option.retired else None)
            for key in self.answer_keys(question)
            for option in question.options + question.retired_options
        ]

    def writer(self, question, key):
        """Return ``write(record, stored)``, which puts one stored row of ``key`` (an option id, or a text)
        into a dataset record: here the chosen option's id in the key's column."""

        def write(record, option):
            record[key] = option

        return write


class MultipleChoice(SingleChoice):
    """Any number of options: checkboxes."""

    id = "multiple"
    several = True

    def combine(self, given, order, points):
        """The options that at least half of those who answered chose."""
        chosen = [option for options in given for option in options]
        return [option for option in order if chosen.count(option) * 2 >= len(given)]

    def columns(self, question):
        """One column per option: 1 chosen, 0 not, empty if the question was not answered."""
        return [
            (f"{question.id}.{option.id}", None, option, "1 = valittu, 0 = ei valittu") for option in question.options
        ]

    def writer(self, question, key):
        columns = {option.id: f"{question.id}.{option.id}" for option in question.options}
        unchosen = dict.fromkeys(columns.values(), 0)
        first = next(iter(unchosen))

        def write(record, option):
            # The question was answered: every option not chosen is 0 (unanswered stays empty).
            if first not in record:
                record.update(unchosen)
            if option in columns:
                record[columns[option]] = 1

        return write


class Matrix(SingleChoice):
    """The same options for each row; one answer per row."""

    id = "matrix"

    def problem(self, question):
        if len(question.options) < 2:
            return "needs at least two options"
        if not question.rows:
            return "rows belong to matrix questions, and every matrix question has them"
        return None

    def answer_keys(self, question):
        """One key per row: 'question.row'."""
        return tuple(f"{question.id}.{row.id}" for row in question.rows)


class Text(SingleChoice):
    """Free text, kept as written."""

    id = "text"
    free_text = True

    def problem(self, question):
        if question.options:
            return "a text question has no options"
        if question.rows:
            return "rows belong to matrix questions, and every matrix question has them"
        return None

    def combine(self, given, order, points):
        return []

    def columns(self, question):
        return [(question.id, None, None, "vapaa teksti")]


def _most_common(answers, order):
    counts = {option: answers.count(option) for option in order}
    return max(order, key=lambda option: (counts[option], -order.index(option)))


HANDLERS = {handler.id: handler for handler in (SingleChoice(), MultipleChoice(), Matrix(), Text())}
