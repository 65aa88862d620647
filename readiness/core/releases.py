"""Peer releases: the fixed cells they publish, and the auditor that decides what a new release may show.

The promise (docs/privacy.md): no combination of published figures, across groups and across releases,
covers fewer than ``threshold`` organisations. Every published figure is a sum over the members of one cell
(a parent group, a type or everyone, is only ever the sum of the cells shown in the same release, so it says
nothing the cells do not). A cell's figures are recomputed from scratch for a release only when the auditor
allows it; otherwise the release repeats the cell's last published figures, dated: nothing new is said. That
holds after one of its organisations has deleted its data too: the figures are already public, are sums over at
least ``threshold`` organisations, and no new figure counts the deleted organisation. Withholding them instead
would hide a type for weeks after any deletion or any colleague's submission, and say nothing more safely.

The auditor, for one cell: each published version of the cell is a set of members, and a member (one
organisation's contribution, "unit") is in a run of consecutive versions. Any integer combination of the
versions gives each unit the sum of the coefficients over its run, P(last) - P(first - 1) with P the running
sum of the coefficients: a unit is touched exactly when the two ends of its edge (first - 1, last) get
different values of P. The fewest units any non-zero combination touches is therefore the minimum cut of the
graph of those edges. An organisation with several runs in a cell (a new round, a deleted respondent) may
carry the same answers in each, which could cancel out; it is counted once, through its count of one, which
never cancels (see ``cut_weight``). Pure Python, no SQL.
"""

import math
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .peers import ANY
from .peers import size_question
from .questionnaire import parse_text

DATA_FILE = Path(__file__).parent.parent / "data" / "peer_cells.toml"


class CellsError(ValueError):
    """The peer cells data file breaks one of its rules."""


@dataclass(frozen=True)
class Cell:
    """One cell of a type: its id, the profile size bands it holds, and its name."""

    id: str
    bands: frozenset[str]
    label: object


@dataclass(frozen=True)
class Cells:
    """The fixed partition of organisations into cells: (type, cell id), the cell id "*" for a type that is one
    cell."""

    types: tuple[str, ...]
    split: dict[str, tuple[Cell, ...]]

    def cell_of(self, group):
        """Return the cell of an organisation whose narrowest group is ``group`` (org_type, size band), or None
        when its type (or, for a split type, its size) is not known."""
        org_type, band = group
        if org_type not in self.types:
            return None
        if org_type not in self.split:
            return (org_type, ANY)
        for cell in self.split[org_type]:
            if band in cell.bands:
                return (org_type, cell.id)
        return None

    def choices(self):
        """Return {org_type: [cell ids]}, the groups anyone may ask for, "*" meaning any."""
        return {ANY: []} | {t: [cell.id for cell in self.split.get(t, ())] for t in self.types}

    def label(self, org_type, cell_id):
        """Return the name (fi/sv/en) of a cell of a split type."""
        return next(cell.label for cell in self.split[org_type] if cell.id == cell_id)

    def all(self):
        """Return every cell key, in order."""
        return [(t, cell) for t in self.types for cell in ([c.id for c in self.split[t]] if t in self.split else [ANY])]


def load_cells(questionnaire, path: Path = DATA_FILE) -> Cells:
    """Load the cells and check them against the questionnaire: known types, every band of a split type in
    exactly one of its cells."""
    with path.open("rb") as f:
        raw = tomllib.load(f)
    types = tuple(option.id for option in questionnaire.profile_question("org_type").options)
    split = {}
    for entry in raw.get("type", []):
        org_type = entry.get("id")
        if org_type not in types:
            raise CellsError(f"peer_cells: unknown organisation type {org_type!r}")
        bands = [option.id for option in size_question(questionnaire, org_type).options]
        cells = tuple(
            Cell(c["id"], frozenset(c["bands"]), parse_text(c.get("label"), f"peer_cells.{org_type}.{c['id']}"))
            for c in entry.get("cell", [])
        )
        held = [band for cell in cells for band in cell.bands]
        if sorted(held) != sorted(bands):
            raise CellsError(f"peer_cells: the cells of {org_type} must hold each of its bands {bands} once")
        split[org_type] = cells
    return Cells(types, split)


class Run(NamedTuple):
    """A unit's run of consecutive published versions of a cell, numbered from 1: first..last. (A named
    tuple: a release builds one per organisation and version history, and these are fast to make.)"""

    unit: str
    organisation_id: int
    first: int
    last: int


def cut_weight(runs):
    """Return the fewest organisations that any non-zero integer combination of the cell's versions surely
    touches, for these runs (math.inf when there is none): the minimum cut of the graph described in the
    module's docstring.

    An organisation counts through its count of one: whatever its answers in each run, the combination gives
    it the sum of its runs' values in the "organisations" figure. For runs that follow one another without a
    gap (a new round, a respondent added or deleted) that sum is P(last of the last run) - P(first of the
    first - 1): one edge of weight 1 from its first version to its last. An organisation with a gap between
    runs weighs nothing. Every run is also an edge of weight 0, so that a combination touching only
    organisations that weigh nothing (a change of one organisation's answers, say) is a cut of weight 0.
    """
    runs_of = Counter(run.organisation_id for run in runs)
    # Most organisations have one run: their edges are counted in one pass; the few with several are joined.
    edges = Counter((run.first - 1, run.last) for run in runs if runs_of[run.organisation_id] == 1)
    return cut_weight_of(edges, [run for run in runs if runs_of[run.organisation_id] > 1])


def cut_weight_of(edges, several):
    """``cut_weight`` from its parts: ``edges`` counts the (first - 1, last) of every organisation with one
    run, ``several`` lists the runs of the organisations with more than one."""
    edges = Counter(edges)
    by_organisation = {}
    for run in several:
        by_organisation.setdefault(run.organisation_id, []).append(run)
    zero = set()
    for organisation_runs in by_organisation.values():
        organisation_runs.sort(key=lambda run: run.first)
        zero.update((run.first - 1, run.last) for run in organisation_runs)
        pairs = zip(organisation_runs, organisation_runs[1:], strict=False)
        if all(later.first == earlier.last + 1 for earlier, later in pairs):
            edges[(organisation_runs[0].first - 1, organisation_runs[-1].last)] += 1
    graph = {}

    def connect(a, b, weight):
        graph.setdefault(a, {})
        graph.setdefault(b, {})
        graph[a][b] = graph[a].get(b, 0) + weight
        graph[b][a] = graph[b].get(a, 0) + weight

    for (a, b), weight in edges.items():
        connect(a, b, weight)
    for a, b in zero:
        connect(a, b, 0)
    best = math.inf
    for component in _components(graph):
        if len(component) > 1:
            best = min(best, _stoer_wagner({u: {v: w for v, w in graph[u].items() if v != u} for u in component}))
    return best


def _components(graph):
    seen, found = set(), []
    for start in graph:
        if start in seen:
            continue
        stack, component = [start], []
        seen.add(start)
        while stack:
            node = stack.pop()
            component.append(node)
            for other in graph[node]:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        found.append(component)
    return found


def _stoer_wagner(graph):
    """The global minimum cut of a connected weighted graph {node: {node: weight}} (Stoer and Wagner, 1997)."""
    best = math.inf
    while len(graph) > 1:
        nodes = list(graph)
        weights = dict.fromkeys(nodes[1:], 0)
        for other, weight in graph[nodes[0]].items():
            weights[other] += weight
        order = [nodes[0]]
        cut = 0
        while weights:
            node = max(weights, key=weights.get)
            cut = weights.pop(node)
            order.append(node)
            for other, weight in graph[node].items():
                if other in weights:
                    weights[other] += weight
        best = min(best, cut)
        # Merge the last node added into the one before it.
        s, t = order[-2], order[-1]
        for other, weight in graph.pop(t).items():
            graph[other].pop(t)
            if other != s:
                graph[s][other] = graph[s].get(other, 0) + weight
                graph[other][s] = graph[other].get(s, 0) + weight
    return best


def runs_with(runs, versions, candidate):
    """Return the cell's runs as they would be if ``candidate`` ({unit: organisation id}) were published as
    version ``versions + 1``: a unit in the last version continues its run, any other starts one."""
    running = {run.unit for run in runs if run.last == versions}
    continued = [
        Run(run.unit, run.organisation_id, run.first, versions + 1)
        if run.last == versions and run.unit in candidate
        else run
        for run in runs
    ]
    continued += [Run(unit, org, versions + 1, versions + 1) for unit, org in candidate.items() if unit not in running]
    return continued


# WITHHELD: what releases before 2 December 2026 did with a cell after a deletion; kept so that their records
# still read. No release decides it any more.
FRESH, CARRIED, WITHHELD = "fresh", "carried", "withheld"


def decision(versions, unchanged, candidate_size, weight, last_size, threshold):
    """The one rule of what a release does with a cell: FRESH (recompute it), CARRIED (repeat its last
    published figures), or None (never shown and not now).

    ``unchanged``: the candidate is exactly the last version; ``weight``: the cut weight with the candidate as
    the next version; ``last_size``: organisations in the last version.
    """
    if versions and unchanged:
        return CARRIED
    if candidate_size and weight >= threshold:
        return FRESH
    if not versions or not last_size:
        return None
    return CARRIED


def decide(runs, versions, candidate, threshold):
    """Return ``decision`` for one cell from its audit history (``runs``, ``versions``) and ``candidate``
    ({unit: organisation id})."""
    last = {run.unit for run in runs if run.last == versions} if versions else set()
    unchanged = set(candidate) == last
    weight = cut_weight(runs_with(runs, versions, candidate)) if candidate and not (versions and unchanged) else 0
    return decision(versions, unchanged, len(candidate), weight, len(last), threshold)
