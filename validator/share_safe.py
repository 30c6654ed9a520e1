"""Share-safe mode: a copy of a :class:`~validator.results.Report` fit to leave the
organisation (``--share-safe``; DOMAIN R-134, the CMS cell-size suppression policy).
docs/share-safe.md is the user-facing description, with a worked example.

What changes:

- **Primary suppression.** Every count between 1 and ``min_cell - 1`` (default 11: counts of
  1 to 10 are suppressed, 0 is shown) becomes ``None``: check numerators and denominators,
  the complement ``denominator - numerator`` of every check (never printed, but anyone can
  compute it: excluded cases count too), field absent-reason counts and rows, tabulation
  counts and sources, crosswalk counts, caregiver and FHIR resource counts, for the whole
  input and every stratum. A stratum (or a whole input) with fewer than ``min_cell`` rows
  shows no count at all, zeros included, and a stratum's label is replaced by
  ``(small stratum N)`` (a label shared by fewer than 11 records may be a patient-level
  value; ``--stratify-by`` already refuses patient-level canonical fields).
- **Complementary suppression** so that no suppressed count (and no complement of 1-10) can
  be recovered from what is still shown (the algorithm below).
- **Percents** of a check whose numerator or denominator is suppressed are suppressed; a
  check's ``reason`` is rewritten from the published numbers; ``details`` (sub-reason counts)
  are dropped; numbers in readiness texts are masked (``#``).
- **Statuses** that would pin a suppressed count become ``SUPPRESSED`` (below); the gate
  verdict is kept (it is the run's exit code) but a withheld failing check is not named.
- **No value lists**: ``mapped_tokens``, ``unmapped`` and ``unmapped_other`` are emptied;
  crosswalk names and hashes stay. No file name is in any report.
- ``report.run["share_safe"]`` records that the mode was applied, with ``min_cell``.

The model
---------

The report is read as **cells** (non-negative integers) and **relations**
``total = part + part + ...`` between them:

1. within a table: a field's absent-reason counts sum to its rows, which are the stratum's
   rows; a tabulation's sources and exclusive sections (``race``, ``ethnicity``, ``alone``)
   sum to its rows; a check's denominator is its numerator plus its complement;
2. across strata: a whole-input cell is the sum of the same cell in every stratum (added only
   where the numbers add up; a check counting sites does not);
3. **identities**: a check or tabulation count that equals another count, or a sum of one
   field's absent-reason counts, in the whole input *and every stratum* is linked to it
   (``RACE.COMPLETENESS`` numerator = ``race_codes`` informative, ``RACE.VALUESET``
   denominator = informative, ``omb1997.race`` declined = ``race_codes`` declined ...): what a
   reader who knows the check definitions could use. Only counts that can count the same
   records are linked (same kind of data: race with race and with checks on race fields,
   never race with ethnicity), so a coincidence of values between unrelated counts is not
   taken for a definition.

What a reader knows besides the published numbers: every relation; a suppressed count is at
least 1 (0 is shown, except in strata that show nothing); a PASS status means no finding
(numerator 0 for violations checks, complement 0 for rate checks).

The algorithm
-------------

Cells linked by one-part relations (``x = y``) form equality classes, hidden together. After
primary suppression, repeat until nothing is recoverable:

a. **Group rule** (cheap): a relation with a single unknown cell gives it away by
   subtraction; a relation whose published total minus published parts equals the number of
   its suppressed parts pins them at 1.
b. **Linear audit** (exact): a hidden cell is recoverable from any combination of relations
   iff its unit vector lies in the row space of the system over the unknown classes. Decided
   by Gauss-Jordan elimination modulo two primes near 2**61 (exact modular arithmetic; a cell
   recoverable over the rationals is recoverable modulo every prime that divides no
   denominator of the combination, so a miss needs both primes to), one connected block of
   unknowns at a time, keeping the combination of relations that proves it (a certificate).
c. **Bounds** (exact integer interval propagation to a fixed point, then, when that finds
   nothing, linear programs per block with scipy's HiGHS, and an integer program for any
   unknown whose range is narrower than 2): a cell whose smallest and largest possible values
   meet is recoverable, e.g. two small totals that pin a count at 1.

Every recoverable count that must stay secret (a suppressed count other than 0, a complement
of 1-10) gets one more **complementary suppression** in a relation of its certificate: the
cheapest printed count there (fewest relations it would expose in turn, fewest cells, fewest
records), after trying the few cheapest on the linear system and preferring one that
actually protects the cell without becoming recoverable itself. When a recoverable count has
no printed count left around it (tiny inputs), its stratum is made to show nothing, then the
whole input, and the suppression starts over. The loop only ever adds suppressions, so it
terminates; at its end no secret count follows from the published ones by subtraction, by
any linear combination, or by bounds.

Statuses. A status is a function of numerator and denominator, so it can reveal a suppressed
numerator: with 20 records in scope and a 95 % minimum, PASS_WITH_FINDINGS means exactly 19.
Assuming the worst (the denominator is known), a status is published for a row whose
numerator is suppressed only when, for that denominator and those thresholds, every status
band other than PASS holds at least two numerators (and symmetrically for a suppressed
denominator). Zero-tolerance checks say only "some findings", known from the suppression
anyway. The decision depends on what is shown (which cells are hidden, thresholds, the shown
count), never on the hidden value, so SUPPRESSED itself reveals nothing. A row whose status
does not follow from its counts (an aggregate breach) has it withheld unless it is PASS.

Limits (stated, not hidden): identities that hold only in some strata, or that combine
several different checks (a numerator equal to a field count minus another check's
numerator), are not modelled; bounds are checked on the linear relaxation first (the integer
program runs only for narrow ranges); a suppressed count is protected against recovery, not
against narrowing to a range of two or more values.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import combinations
from typing import Any

from validator.errors import UsageError
from validator.fields import ETHNICITY_FIELDS, FIELDS, RACE_FIELDS
from validator.judge import _BREACH, format_percent
from validator.results import CheckResult, FieldSummary, Gate, Measure, Report, Severity, Status

MIN_CELL = 11
SMALL_STRATUM = "(small stratum {n})"
SUPPRESSED_REASON = "suppressed (share-safe: a count of 1-{top} or one that would reveal it)"
_MAX_SUBSET_CATEGORIES = 8  # subsets of at most this many non-zero categories are enumerated
_BAND_LIMIT = 5_000_000  # status bands are counted exactly up to this denominator

Key = tuple[Any, ...]


# --------------------------------------------------------------------------- the cell model


@dataclasses.dataclass
class Cell:
    """One count of the report."""

    key: Key
    value: int
    stratum: str | None
    virtual: bool = False  # never printed (a check's complement); may still be known
    known: bool = False  # a virtual cell whose value a status reveals (PASS)
    suppressed: bool = False
    primary: bool = False

    @property
    def hidden(self) -> bool:
        """Not readable from the published report (before any derivation)."""
        return self.suppressed or (self.virtual and not self.known)


class Stuck(Exception):
    """A recoverable cell whose relations hold no printed count left to suppress (tiny
    inputs): its stratum (None: the whole input) must show nothing at all."""

    def __init__(self, stratum: str | None) -> None:
        super().__init__(stratum)
        self.stratum = stratum


class CellModel:
    """Cells, the additive relations between them and the suppression state.

    Cells linked by one-part relations (``x = y``: the same number printed in several places,
    e.g. a stratum's rows and a check's denominator) form an *equality class*; a class is one
    unknown of the linear system when all its cells are hidden, and is suppressed as a whole.
    """

    def __init__(self, min_cell: int) -> None:
        self.min_cell = min_cell
        self.cells: list[Cell] = []
        self.index: dict[Key, int] = {}
        self.groups: list[tuple[int, tuple[int, ...]]] = []
        self._group_keys: set[tuple[int, frozenset[int]]] = set()
        self.groups_of: dict[int, list[int]] = defaultdict(list)
        self._rep: list[int] = []
        self._members: dict[int, list[int]] = {}
        self._class_groups: dict[int, list[int]] = {}
        self.small: frozenset[str | None] = frozenset()

    # building ---------------------------------------------------------------------------

    def add(self, key: Key, value: int | None, stratum: str | None, *,
            virtual: bool = False) -> int | None:
        """Register a cell (None values are not cells); returns its id."""
        if value is None or isinstance(value, bool) or not isinstance(value, int):
            return None
        if key in self.index:
            return self.index[key]
        cid = len(self.cells)
        self.cells.append(Cell(key, int(value), stratum, virtual=virtual))
        self.index[key] = cid
        return cid

    def relate(self, total: int | None, parts: Iterable[int | None]) -> bool:
        """Add ``total = sum(parts)`` when every cell exists and the numbers add up."""
        ps = tuple(parts)
        if total is None or not ps or any(p is None for p in ps):
            return False
        ids = tuple(p for p in ps if p is not None)
        if total in ids or len(set(ids)) != len(ids):
            return False
        if self.cells[total].value != sum(self.cells[p].value for p in ids):
            return False
        sig = (total, frozenset(ids))
        if sig in self._group_keys:
            return False
        self._group_keys.add(sig)
        g = len(self.groups)
        self.groups.append((total, ids))
        for c in (total, *ids):
            self.groups_of[c].append(g)
        return True

    def freeze(self) -> None:
        """Compute the equality classes (call once every relation is added)."""
        parent = list(range(len(self.cells)))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for total, parts in self.groups:
            if len(parts) == 1:
                a, b = find(total), find(parts[0])
                if a != b:
                    parent[max(a, b)] = min(a, b)
        self._rep = [find(i) for i in range(len(self.cells))]
        members: dict[int, list[int]] = defaultdict(list)
        for i, r in enumerate(self._rep):
            members[r].append(i)
        self._members = dict(members)
        self._class_groups = {
            r: sorted({g for m in ms for g in self.groups_of[m] if len(self.groups[g][1]) > 1})
            for r, ms in self._members.items()}

    def cell(self, key: Key) -> Cell | None:
        """The cell of ``key``, if registered."""
        cid = self.index.get(key)
        return None if cid is None else self.cells[cid]

    def is_suppressed(self, key: Key) -> bool:
        """Whether the cell of ``key`` is suppressed (False for unknown keys)."""
        c = self.cell(key)
        return c is not None and c.suppressed

    def equal_class(self, cid: int) -> list[int]:
        """The cells equal to ``cid`` by a chain of one-part relations."""
        return self._members[self._rep[cid]]

    # state ------------------------------------------------------------------------------

    def sensitive(self, c: Cell) -> bool:
        """A count of 1 to min_cell - 1."""
        return 1 <= c.value < self.min_cell

    def _protect(self, cid: int) -> bool:
        """Does ``cid`` need protecting (a suppressed count, or a small hidden complement)?
        A 0 suppressed in a small stratum does not: it is hidden only so that the others
        cannot be bounded below by 1."""
        c = self.cells[cid]
        return (c.suppressed and c.value > 0) or (c.virtual and not c.known
                                                  and self.sensitive(c))

    def _class_hidden(self, rep: int, extra: frozenset[int] = frozenset()) -> bool:
        return rep in extra or all(self.cells[m].hidden for m in self._members[rep])

    def _published_member(self, cid: int) -> int | None:
        """A printed non-zero cell equal to ``cid`` (itself or one of its class), if any."""
        for m in self.equal_class(cid):
            c = self.cells[m]
            if not c.hidden and not c.virtual and c.value:
                return m
        return None

    def _hide_class(self, cid: int) -> None:
        for m in self.equal_class(cid):
            if not self.cells[m].virtual:
                self.cells[m].suppressed = True

    def primary(self, small: Iterable[str | None] = ()) -> None:
        """Suppress every printed count between 1 and min_cell - 1 (with its class), and
        every count, zeros included, of a stratum (None: the whole input) with fewer than
        min_cell rows: such a stratum shows nothing, so a reader cannot even tell which of
        its counts are 0."""
        self.small = frozenset(small)
        for i, c in enumerate(self.cells):
            if not c.virtual and (self.sensitive(c) or c.stratum in self.small):
                c.primary = True
                self._hide_class(i)

    # the linear system ------------------------------------------------------------------

    def _row(self, g: int, extra: frozenset[int]) -> dict[int, int]:
        total, parts = self.groups[g]
        row: dict[int, int] = defaultdict(int)
        for m, sign in ((total, 1), *((q, -1) for q in parts)):
            r = self._rep[m]
            if self._class_hidden(r, extra):
                row[r] += sign
        return {k: v for k, v in row.items() if v}

    def _system(self, seeds: Iterable[int] | None = None, extra: frozenset[int] = frozenset()
                ) -> list[tuple[int, dict[int, int]]]:
        """(relation, {unknown class: coefficient}) for every relation with an unknown; with
        ``seeds`` (class representatives) only the part of the system connected to them.
        ``extra``: classes treated as hidden (a trial suppression)."""
        if seeds is None:
            out = []
            for g, (_, parts) in enumerate(self.groups):
                if len(parts) > 1 and (row := self._row(g, extra)):
                    out.append((g, row))
            return out
        todo = [r for r in seeds if self._class_hidden(r, extra)]
        seen_classes = set(todo)
        seen_groups: set[int] = set()
        out = []
        while todo:
            r = todo.pop()
            for g in self._class_groups[r]:
                if g in seen_groups:
                    continue
                seen_groups.add(g)
                row = self._row(g, extra)
                if row:
                    out.append((g, row))
                    for v in row:
                        if v not in seen_classes:
                            seen_classes.add(v)
                            todo.append(v)
        return out

    def _fixed(self, system: list[tuple[int, dict[int, int]]],
               primes: Sequence[int] = ()) -> dict[int, list[int]]:
        """Fixed unknown classes -> relations of one proof, modulo each prime (default both
        of :data:`_PRIMES`)."""
        fixed: dict[int, list[int]] = {}
        for block in _components(system):
            for prime in primes or _PRIMES:
                for rep, cert in _solve(block, prime).items():
                    fixed.setdefault(rep, cert)
        return fixed

    def _constant(self, g: int, extra: frozenset[int]) -> int:
        """The right-hand side of relation g once its printed cells are moved over."""
        total, parts = self.groups[g]
        k = 0
        for m, sign in ((total, 1), *((q, -1) for q in parts)):
            if not self._class_hidden(self._rep[m], extra):
                k -= sign * self.cells[m].value
        return k

    def _floor(self, rep: int, extra: frozenset[int]) -> int:
        """What a reader knows a hidden class is at least: 1 when one of its cells is
        suppressed (0 is never suppressed), else 0 (a check's complement)."""
        if rep in extra:
            return 1
        return int(any(self.cells[m].suppressed and self.cells[m].stratum not in self.small
                       for m in self._members[rep]))

    def _pinned(self, system: list[tuple[int, dict[int, int]]], extra: frozenset[int],
                passes: int = 0) -> dict[int, list[int]]:
        """Unknown classes whose bounds meet: interval propagation over the relations (each
        unknown >= its floor; a relation bounds each of its unknowns by the others' bounds),
        to a fixed point. Catches e.g. a count pinned at 1 by two small totals."""
        lo: dict[int, int] = {}
        hi: dict[int, int] = {}
        rows = []
        for g, row in system:
            rows.append((g, list(row.items()), self._constant(g, extra)))
            for v in row:
                lo.setdefault(v, self._floor(v, extra))
                hi.setdefault(v, _INF)
        for _ in range(passes or _PROPAGATION_PASSES):
            changed = False
            for _g, items, k in rows:
                changed |= _tighten(items, k, lo, hi)
            if not changed:
                break
        touching: dict[int, list[int]] = defaultdict(list)
        for g, items, _ in rows:
            for v, _c in items:
                touching[v].append(g)
        return {v: touching[v] for v in lo if lo[v] >= hi[v]}

    def _lp_pinned(self, system: list[tuple[int, dict[int, int]]]) -> dict[int, list[int]]:
        """Unknown classes that take a single integer value over everything a reader knows:
        the relations, each unknown >= its floor and integral. Linear programs (scipy's
        HiGHS) per block: a few random objectives find vertices far apart; an unknown that
        varies by 2 or more between them is free; for the others the exact range is solved
        (and, when it is narrower than 2, the integer range)."""
        out: dict[int, list[int]] = {}
        for block in _components(system):
            variables = sorted({v for _, row in block for v in row})
            lower = [self._floor(v, frozenset()) for v in variables]
            rows = [(row, self._constant(g, frozenset())) for g, row in block]
            # only classes holding a count that must stay secret matter: zeros hidden in a
            # small stratum may be pinned without harm (the tiny-input case: 4.6 s -> 0.x s)
            targets = [j for j, v in enumerate(variables)
                       if any(self._protect(m) for m in self._members[v])]
            if not targets:
                continue
            for j in _lp_fixed(variables, rows, lower, targets):
                v = variables[j]
                out[v] = [g for g, row in block if v in row]
        return out

    def recoverable(self) -> dict[int, list[int]]:
        """Hidden cells whose value follows from the published cells, each with the relations
        that prove it (a certificate): hidden cells equal to a printed one; cells of every
        unknown class whose unit vector lies in the row space of the system (exact
        Gauss-Jordan elimination modulo two large primes, one connected block at a time); and
        cells whose bounds meet (interval propagation, :meth:`_pinned`)."""
        found: dict[int, list[int]] = {}
        for rep, ms in self._members.items():
            if not self._class_hidden(rep):
                for m in ms:
                    if self.cells[m].hidden:
                        found[m] = [g for g in self.groups_of[m] if len(self.groups[g][1]) == 1]
        system = self._system()
        fixed = self._fixed(system)
        for rep, cert in self._pinned(system, frozenset()).items():
            fixed.setdefault(rep, cert)
        if not any(self._protect(m) for rep in fixed for m in self._members[rep]):
            for rep, cert in self._lp_pinned(system).items():  # the expensive check last
                fixed.setdefault(rep, cert)
        for rep, cert in fixed.items():
            for m in self._members[rep]:
                found.setdefault(m, cert)
        return found

    # choosing complements ---------------------------------------------------------------

    def _trial(self, candidate: int, protect: int) -> tuple[int, int]:
        """Suppose ``candidate``'s class were suppressed: (is ``protect`` still recoverable,
        is the candidate itself recoverable) as 0/1, lower is better."""
        rc, rp = self._rep[candidate], self._rep[protect]
        extra = frozenset({rc})
        system = self._system([rc, rp], extra)
        # a trial only ranks candidates: one prime and a few propagation passes suffice; the
        # audit that decides when to stop (recoverable) always runs in full
        fixed = {**self._pinned(system, extra, _TRIAL_PASSES),
                 **self._fixed(system, _PRIMES[:1])}
        still = int(rp in fixed or not self._class_hidden(rp, extra))
        return (still, int(rc in fixed))

    def _cost(self, cid: int) -> tuple[int, int, int]:
        """A cheap score of suppressing ``cid``'s class: relations in which it would be the
        only unknown (each needs one more suppression), cells hidden, records hidden."""
        members = self.equal_class(cid)
        inside = set(members)
        exposures = 0
        for g in self._class_groups[self._rep[cid]]:
            total, parts = self.groups[g]
            net = (total in inside) - sum(p in inside for p in parts)
            if net and not any(self.cells[x].hidden
                               for x in (total, *parts) if x not in inside):
                exposures += 1
        return (exposures, len(members), self.cells[cid].value)

    def _candidates(self, protect: int, groups: Iterable[int]) -> list[tuple[Any, ...]]:
        """Printed non-zero cells of ``groups`` (or printed cells equal to them), one per
        class, cheapest first."""
        skip = set(self.equal_class(protect))
        cands: dict[int, tuple[Any, ...]] = {}
        for g in groups:
            total, parts = self.groups[g]
            for cid in (*parts, total):
                if cid in skip:
                    continue
                target = self._published_member(cid)
                if target is not None and self._rep[target] not in cands:
                    cands[self._rep[target]] = (*self._cost(target), target)
        return sorted(cands.values())

    def _certificate(self, protect: int) -> list[int]:
        """Relations of a proof that ``protect`` is recoverable (linear, else by bounds)."""
        rp = self._rep[protect]
        system = self._system([rp])
        proof = self._fixed(system).get(rp) or self._pinned(system, frozenset()).get(rp)
        return proof or list(self._class_groups[rp])

    def _complement(self, protect: int, groups: Iterable[int], must_fix: bool = False
                    ) -> int | None:
        """Suppress one more class so that ``protect`` is no longer recoverable through
        ``groups``. Candidates: the printed non-zero cells of those relations (or printed
        cells equal to them); the few cheapest are tried on the system, and the first that
        protects the cell without becoming recoverable itself wins. When none does (the cell
        is also recoverable another way), the candidates of a full proof are tried too; with
        ``must_fix`` nothing is suppressed unless a candidate fully protects the cell."""
        ranked = self._candidates(protect, groups)[:_TRIALS]
        if not ranked:  # nothing printed around it: look along a proof, then its block
            ranked = self._candidates(protect, self._certificate(protect))[:_TRIALS]
        if not ranked:
            block = [g for g, _ in self._system([self._rep[protect]])]
            ranked = self._candidates(protect, block)[:_TRIALS]
        if not ranked:
            return None
        scored = [(self._trial(c[-1], protect), c) for c in ranked]
        if min(scored)[0] != (0, 0):
            known = {c[-1] for c in ranked}
            more = [c for c in self._candidates(protect, self._certificate(protect))
                    if c[-1] not in known][:_TRIALS]
            scored += [(self._trial(c[-1], protect), c) for c in more]
        best = min(scored)
        if must_fix and best[0] != (0, 0):
            return None  # the cell is recoverable another way too: fix that first
        chosen = best[1][-1]
        self._hide_class(chosen)
        return chosen

    def _exposure(self, g: int) -> int | None:
        """A protected cell that relation ``g`` alone recovers: its only unknown cell, or a
        suppressed part pinned at 1 because the published total minus the published parts
        equals the number of suppressed parts (0 is never suppressed)."""
        total, parts = self.groups[g]
        unknown = [m for m in (total, *parts) if self.cells[m].hidden]
        if len(unknown) == 1:
            return unknown[0] if self._protect(unknown[0]) else None
        if not unknown or self.cells[total].hidden:
            return None
        residual = self.cells[total].value - sum(
            self.cells[q].value for q in parts if not self.cells[q].hidden)
        floor = sum(1 for q in unknown if self.cells[q].suppressed
                    and self.cells[q].stratum not in self.small)
        if residual == floor:
            return next((q for q in unknown if self._protect(q)), None)
        return None

    def exposed(self) -> list[int]:
        """Protected cells recoverable from the published cells (empty at the fixed point)."""
        found = {c for g in range(len(self.groups)) if (c := self._exposure(g)) is not None}
        found |= {c for c in self.recoverable() if self._protect(c)}
        return sorted(found)

    def suppress(self, max_rounds: int = 100_000, small: Iterable[str | None] = ()) -> None:
        """Primary, then complementary suppression to the fixed point (module docstring).
        ``small``: strata (None: the whole input) with fewer than min_cell rows."""
        if not self._members:
            self.freeze()
        self.primary(small)
        # (cell, relation) pairs for which no single complement in that relation protected
        # the cell: not retried by the cheap rule (they were 98 % of the run time); the whole
        # system check below still sees the cell and protects it along a full proof.
        tried: set[tuple[int, int]] = set()
        for _ in range(max_rounds):
            changed = False
            for g in range(len(self.groups)):  # a: one relation at a time
                cid = self._exposure(g)
                if cid is None or (cid, 0) in tried:
                    continue
                if self._complement(cid, [g], must_fix=True) is not None:
                    changed = True
                else:
                    tried.add((cid, 0))
            if changed:
                continue
            found = self.recoverable()  # b and c: the whole system
            exposed = sorted(c for c in found if self._protect(c))
            if not exposed:
                return
            done: set[int] = set()
            for cid in exposed:  # one complement per certificate per round
                cert = found[cid]
                key = (cid, -1)
                if done & set(cert) or key in tried:
                    continue
                if self._complement(cid, cert, must_fix=True):
                    done.update(cert)
                else:
                    tried.add(key)
            if not done and self._complement(exposed[0], found[exposed[0]]) is None:
                raise Stuck(self.cells[exposed[0]].stratum)  # none fixes alone: best effort
        raise RuntimeError("share-safe: complementary suppression did not converge")


#: Candidates tried on the linear system per complementary suppression, and the interval
#: propagation passes of one trial.
_TRIALS = 4
_TRIAL_PASSES = 30
#: Interval propagation: "no upper bound" and the most passes over the relations.
_INF = 10**15
_PROPAGATION_PASSES = 200


#: Random objectives per block of the linear-programming audit, and the box every unknown is
#: kept in (far above any count).
_LP_DIRECTIONS = 4
_LP_BOX = 1e7


def _lp_fixed(variables: Sequence[int], rows: Sequence[tuple[Mapping[int, int], int]],
              lower: Sequence[int], targets: Iterable[int] | None = None) -> list[int]:
    """Positions of the unknowns with a single integer value (see CellModel._lp_pinned);
    with ``targets``, only those positions are examined."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp
    from scipy.sparse import csr_array

    n = len(variables)
    pos = {v: i for i, v in enumerate(variables)}
    data, ri, ci = [], [], []
    for i, (row, _) in enumerate(rows):
        for v, c in row.items():
            data.append(float(c))
            ri.append(i)
            ci.append(pos[v])
    a = csr_array((data, (ri, ci)), shape=(len(rows), n))
    b = np.array([float(k) for _, k in rows])
    bounds = [(float(lo), _LP_BOX) for lo in lower]

    def solve(cost: Any) -> Any:
        res = linprog(cost, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        return res.x if res.status == 0 else None

    low = np.full(n, np.inf)
    high = np.full(n, -np.inf)
    rng = np.random.default_rng(20261101)
    for _ in range(_LP_DIRECTIONS):
        direction = rng.standard_normal(n)
        for sign in (1.0, -1.0):
            x = solve(sign * direction)
            if x is None:
                return []  # no feasible point: the model is wrong; nothing is claimed
            low, high = np.minimum(low, x), np.maximum(high, x)
    fixed = []
    narrow = np.flatnonzero(high - low < 2 - 1e-7)
    if targets is not None:
        narrow = np.intersect1d(narrow, np.fromiter(targets, dtype=np.int64))
    for j in narrow:
        unit = np.zeros(n)
        unit[j] = 1.0
        xs = [solve(unit), solve(-unit)]
        if any(x is None for x in xs):
            continue
        lo, hi = xs[0][j], xs[1][j]
        if hi - lo >= 2 - 1e-7:
            continue
        cons = [LinearConstraint(a, b, b)]
        ints = [milp(s * unit, constraints=cons, bounds=Bounds([lo for lo, _ in bounds],
                                                              [hi for _, hi in bounds]),
                     integrality=np.ones(n)) for s in (1.0, -1.0)]
        if all(r.success for r in ints) and round(ints[0].fun) == round(-ints[1].fun):
            fixed.append(int(j))
    return fixed


def _tighten(items: Sequence[tuple[int, int]], k: int, lo: dict[int, int],
             hi: dict[int, int]) -> bool:
    """Narrow the bounds of every unknown of ``sum(c * x) = k``; True if any changed."""
    changed = False
    for v, c in items:
        rest_lo = rest_hi = 0
        for u, cu in items:
            if u != v:
                a, b = cu * lo[u], cu * hi[u]
                rest_lo += min(a, b)
                rest_hi += max(a, b)
        new_lo, new_hi = _interval(k - rest_hi, k - rest_lo, c, rest_hi >= _INF,
                                   rest_lo <= -_INF)
        if new_lo > lo[v]:
            lo[v], changed = new_lo, True
        if new_hi < hi[v]:
            hi[v], changed = new_hi, True
    return changed


def _interval(low: int, high: int, c: int, low_open: bool, high_open: bool
              ) -> tuple[int, int]:
    """Integer bounds of x from low <= c * x <= high (an open end is infinite)."""
    if c < 0:
        low, high, low_open, high_open, c = -high, -low, high_open, low_open, -c
    lo = -_INF if low_open else -(-low // c)  # ceil
    hi = _INF if high_open else high // c  # floor
    return lo, hi

#: Two primes near 2**61: the elimination is exact modulo each; a cell counts as recoverable
#: when it is modulo either (over the rationals it can only be recoverable if it is modulo
#: every prime that divides no denominator of the combination, so both would have to).
_PRIMES = (2**61 - 1, 2**62 - 57)


def _components(system: list[tuple[int, dict[int, int]]]
                ) -> list[list[tuple[int, dict[int, int]]]]:
    """Split the system into independent blocks (no unknown in common)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _, row in system:
        first, *rest = row
        for other in rest:
            ra, rb = find(first), find(other)
            if ra != rb:
                parent[ra] = rb
    blocks: dict[int, list[tuple[int, dict[int, int]]]] = defaultdict(list)
    for g, row in system:
        blocks[find(next(iter(row)))].append((g, row))
    return list(blocks.values())


def _solve(block: list[tuple[int, dict[int, int]]], p: int) -> dict[int, list[int]]:
    """Unknowns fixed by the homogeneous system ``block`` modulo ``p``, each with the
    relations of one combination proving it. x_j is fixed iff the unit vector e_j lies in
    the row space, i.e. iff the reduced row echelon form has a row whose only non-zero
    entry is at j; the row's combination of original relations is tracked alongside."""
    pivots: dict[int, tuple[dict[int, int], dict[int, int]]] = {}
    for g, original in block:
        row = {k: v % p for k, v in original.items()}
        combo = {g: 1}
        for col in [c for c in row if c in pivots]:
            f = row.get(col)
            if f:
                _axpy(row, pivots[col][0], -f, p)
                _axpy(combo, pivots[col][1], -f, p)
        if not row:
            continue
        col = min(row)
        inv = pow(row[col], p - 2, p)
        row = {k: v * inv % p for k, v in row.items()}
        combo = {k: v * inv % p for k, v in combo.items()}
        for prow, pcombo in pivots.values():
            f = prow.get(col)
            if f:
                _axpy(prow, row, -f, p)
                _axpy(pcombo, combo, -f, p)
        pivots[col] = (row, combo)
    return {col: sorted(combo) for col, (row, combo) in pivots.items() if len(row) == 1}


def _axpy(target: dict[int, int], source: Mapping[int, int], f: int, p: int) -> None:
    """target += f * source (mod p), dropping zeros."""
    for k, v in source.items():
        nv = (target.get(k, 0) + f * v) % p
        if nv:
            target[k] = nv
        else:
            target.pop(k, None)


# ----------------------------------------------------------------------- report -> model


def _strata(report: Report) -> list[str]:
    seen: dict[str, None] = {}
    for r in report.results:
        if r.stratum is not None:
            seen.setdefault(r.stratum)
    for f in report.field_strata:
        if f.stratum is not None:
            seen.setdefault(f.stratum)
    for t in report.tabulation.get("tables", []) or []:
        if t.get("stratum") is not None:
            seen.setdefault(str(t["stratum"]))
    return list(seen)


def _check_key(r: CheckResult) -> tuple[str, str | None]:
    return (r.check_id, r.field)


_EXCLUSIVE_SECTIONS = ("race", "ethnicity", "alone")


class _Builder:
    """Reads a Report into a :class:`CellModel` (cells, relations, identities)."""

    def __init__(self, report: Report, min_cell: int) -> None:
        self.report = report
        self.model = CellModel(min_cell)
        self.strata = _strata(report)
        self.keys: list[str | None] = [None, *self.strata]
        # series: name -> {stratum: cell id}; used for across-strata sums and identities
        self.series: dict[Key, dict[str | None, int]] = defaultdict(dict)
        self.field_series: dict[str, dict[str, dict[str | None, int]]] = defaultdict(dict)

    def _add(self, key: Key, value: Any, stratum: str | None, series: Key | None,
             *, virtual: bool = False) -> int | None:
        cid = self.model.add(key, value, stratum, virtual=virtual)
        if cid is not None and series is not None:
            self.series[series][stratum] = cid
        return cid

    def build(self) -> CellModel:
        rep = self.report
        self._add(("rows", None), rep.dataset.get("rows"), None, ("rows",))
        self._fields()
        self._checks()
        self._tabulation()
        self._dataset_blocks()
        self._across_strata()
        self._identities()
        self.model.freeze()
        return self.model

    # fields -----------------------------------------------------------------------------

    def _field(self, f: FieldSummary) -> None:
        s = f.stratum
        rows = self._add(("field_rows", f.field, s), f.rows, s, ("field_rows", f.field))
        parts = []
        for cat, n in f.counts.items():
            cid = self._add(("field", f.field, cat, s), n, s, ("field", f.field, cat))
            parts.append(cid)
            if cid is not None:
                self.field_series[f.field].setdefault(cat, {})[s] = cid
        self.model.relate(rows, parts)
        for x in f.crosswalks:
            name = str(x.get("crosswalk"))
            for k in ("rows_mapped", "values_mapped"):
                self._add(("crosswalk", f.field, name, k, s), x.get(k), s,
                          ("crosswalk", f.field, name, k))

    def _fields(self) -> None:
        m = self.model
        for f in (*self.report.fields, *self.report.field_strata):
            if f.present:
                self._field(f)
        by_stratum: dict[str | None, list[int]] = defaultdict(list)
        for key, cid in m.index.items():
            if key[0] == "field_rows":
                by_stratum[key[2]].append(cid)
        for s in self.strata:  # a stratum's rows: what every main-table field counts there
            if by_stratum.get(s):
                self._add(("rows", s), m.cells[by_stratum[s][0]].value, s, ("rows",))
        for s, fids in by_stratum.items():
            for fid in fids:
                m.relate(m.index.get(("rows", s)), [fid])

    # checks -----------------------------------------------------------------------------

    def _checks(self) -> None:
        m = self.model
        for i, r in enumerate(self.report.results):
            if r.numerator is None or r.denominator is None:
                continue
            s = r.stratum
            ck = _check_key(r)
            n = self._add(("check", i, "numerator"), r.numerator, s, ("check", *ck, "numerator"))
            d = self._add(("check", i, "denominator"), r.denominator, s,
                          ("check", *ck, "denominator"))
            c = self._add(("check", i, "complement"), r.denominator - r.numerator, s,
                          ("check", *ck, "complement"), virtual=True)
            if c is not None and r.status is Status.PASS and r.measure is Measure.RATE:
                m.cells[c].known = True  # PASS on a rate check: no record without it
            m.relate(d, [n, c])

    # tabulation -------------------------------------------------------------------------

    def _tabulation(self) -> None:
        m = self.model
        for t in self.report.tabulation.get("tables", []) or []:
            std, s = t["standard"], t.get("stratum")
            rows = self._add(("tab", std, s, "rows"), t.get("rows"), s, ("tab", std, "rows"))
            m.relate(m.index.get(("rows", s)), [rows])
            sources = [self._add(("tab", std, s, "sources", k), v, s, ("tab", std, "sources", k))
                       for k, v in (t.get("sources") or {}).items()]
            m.relate(rows, sources)
            for section, entries in (t.get("sections") or {}).items():
                parts = [self._add(("tab", std, s, section, e["key"]), e.get("count"), s,
                                   ("tab", std, section, e["key"])) for e in entries]
                if section in _EXCLUSIVE_SECTIONS:
                    m.relate(rows, parts)

    # dataset blocks ---------------------------------------------------------------------

    def _dataset_blocks(self) -> None:
        for block in ("caregivers", "fhir"):
            data = self.report.dataset.get(block)
            if isinstance(data, Mapping):
                for k, v in data.items():
                    self._add(("dataset", block, k), v, None, ("dataset", block, k))

    # relations across strata ------------------------------------------------------------

    def _across_strata(self) -> None:
        if not self.strata:
            return
        for by_stratum in self.series.values():
            whole = by_stratum.get(None)
            parts = [by_stratum.get(s) for s in self.strata]
            if whole is not None and all(p is not None for p in parts):
                self.model.relate(whole, parts)

    # discovered identities --------------------------------------------------------------

    def _vector(self, by_stratum: Mapping[str | None, int]) -> tuple[int, ...] | None:
        """Values in the whole input and every stratum (None when a stratum is missing)."""
        if any(s not in by_stratum for s in self.keys):
            return None
        return tuple(self.model.cells[by_stratum[s]].value for s in self.keys)

    def _sums(self) -> Iterator[tuple[Key, list[dict[str | None, int]]]]:
        """Candidate right-hand sides: sums of one field's non-zero categories (subsets of up
        to 8 categories) and every single series."""
        cells = self.model.cells
        for field, cats in self.field_series.items():
            names = [c for c, by in cats.items() if any(cells[i].value for i in by.values())]
            names = names[:_MAX_SUBSET_CATEGORIES]
            for size in range(1, len(names) + 1):
                for subset in combinations(names, size):
                    yield ("fieldsum", field, subset), [cats[c] for c in subset]
        for name, by in self.series.items():
            yield name, [by]

    def _index(self) -> tuple[dict[tuple[int, ...], list[_Sum]], dict[int, list[_Sum]]]:
        """Candidate sums keyed by their values in the whole input and every stratum, and
        (for sums that exist in the whole input only) by their whole-input value."""
        full: dict[tuple[int, ...], list[_Sum]] = defaultdict(list)
        whole: dict[int, list[_Sum]] = defaultdict(list)
        cells = self.model.cells
        for name, parts in self._sums():
            vecs = [self._vector(p) for p in parts]
            if all(v is not None for v in vecs):
                total = tuple(map(sum, zip(*vecs)))  # type: ignore[arg-type]
                if any(total):
                    full[total].append((name, parts))
            elif all(None in p for p in parts):
                value = sum(cells[p[None]].value for p in parts)
                if value:
                    whole[value].append((name, parts))
        return full, whole

    def _families(self, name: Key) -> frozenset[str] | None:
        """The kinds of data a series counts, as field groups (None: any, i.e. a stratum's
        rows). A check counts its own field's group (with the element a respondent or
        collection-date field belongs to), a check on no field the groups of the fields the
        catalogue lists for it (else only rows); a tabulation section or source the groups
        of the fields tabulated into it."""
        kind = name[0]
        if kind in ("field", "fieldsum", "crosswalk"):
            return _groups([name[1]])
        if kind == "check":
            field_name = name[2]
            if field_name is not None:
                return _groups([field_name])
            listed = _catalog_fields(name[1])
            return _groups(listed) if listed else _DATASET
        if kind != "tab" or name[2] == "rows":
            return None
        fields = self.report.tabulation.get("fields") or {}
        new = list(fields.get("spd15_2024", ()))
        if name[1] == "omb1997" and name[2] in ("race", "ethnicity"):
            own = RACE_FIELDS if name[2] == "race" else ETHNICITY_FIELDS
            return _groups([f for f in fields.get("omb1997", ()) if f in own] + new)
        return _groups([*fields.get("omb1997", ()), *new])

    def _compatible(self, a: Key, b: Key) -> bool:
        """Can series a and b count the same records? Counts of different kinds of data (a
        race count and an ethnicity count) cannot be the same number by definition, whatever
        their values happen to be."""
        fa, fb = self._families(a), self._families(b)
        return fa is None or fb is None or bool(fa & fb)

    def _link(self, entries: Sequence[_Sum], where: Sequence[str | None]) -> None:
        """Relate sums with the same values, when one of them is a check, tabulation,
        dataset or crosswalk series and the two can count the same records."""
        for i, (name, parts) in enumerate(entries):
            if name[0] not in _LINKED or len(parts) != 1:
                continue
            mine = parts[0]
            for j, (other, oparts) in enumerate(entries):
                if j == i or (other[0] in _LINKED and len(oparts) == 1 and j < i):
                    continue  # each pair once
                if other == name or not self._compatible(name, other):
                    continue
                for s in where:
                    self.model.relate(mine.get(s), [q.get(s) for q in oparts])

    def _identities(self) -> None:
        """Relate every check, tabulation, dataset and crosswalk series to each candidate sum
        with the same values in the whole input and every stratum; series that exist in the
        whole input only (caregiver counts, unstratified runs) are matched on that value."""
        full, whole = self._index()
        for entries in full.values():
            self._link(entries, self.keys)
        for value, entries in whole.items():
            same = [e for e in entries]
            for vec, fentries in full.items():
                if vec[0] == value:
                    same += fentries
            self._link(same, [None])


_Sum = tuple[Key, list[dict[str | None, int]]]
#: A check on no field (counts of strata, tables or datasets) relates to rows only.
_DATASET = frozenset({"dataset"})
#: Respondent and collection-date fields belong to the element they describe.
_ELEMENT_GROUPS = {"race": "race", "ethnicity": "ethnicity", "lang": "language",
                   "gender_identity": "sogi", "sexual_orientation": "sogi",
                   "disability": "disability", "sdoh": "sdoh"}


def _groups(fields: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for f in fields:
        spec = FIELDS.get(f)
        out.add(spec.group if spec else f)
        for suffix in ("_respondent", "_collected_date"):
            if f.endswith(suffix):
                out.add(_ELEMENT_GROUPS.get(f[: -len(suffix)], f[: -len(suffix)]))
    return frozenset(out)


def _catalog_fields(check_id: str) -> tuple[str, ...]:
    from validator import catalog

    try:
        return tuple(catalog.get(check_id).fields)
    except KeyError:
        return ()
_LINKED = ("check", "tab", "dataset", "crosswalk")


# ----------------------------------------------------------------------- model -> report


def _statuses(r: CheckResult, n: Any, d: Any) -> Any:
    """Status ranks judge.py gives numerators ``n`` of denominators ``d`` (arrays)."""
    import numpy as np

    pct = 100.0 * n / d
    status = np.full(len(pct), Status.PASS.rank)
    findings = n > 0 if r.measure is Measure.VIOLATIONS else n < d
    status[findings] = Status.PASS_WITH_FINDINGS.rank
    warn_status = Status.PASS_WITH_FINDINGS if r.severity is Severity.INFO else Status.WARN
    status[_breached_vec(r.measure, pct, r.warn_threshold)] = warn_status.rank
    status[_breached_vec(r.measure, pct, r.threshold)] = _BREACH[r.severity].rank
    return status


def _bands_ok(status: Any, last_is_open: bool = False) -> bool:
    """Does every non-PASS band (a run of equal statuses) hold at least two values? With
    ``last_is_open`` the last band continues past the evaluated range."""
    import numpy as np

    if len(status) == 0:
        return True
    edges = np.flatnonzero(np.diff(status)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(status)]))
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        open_band = last_is_open and i == len(starts) - 1
        if status[a] != Status.PASS.rank and b - a < 2 and not open_band:
            return False
    return True


def _numerator_bands_ok(r: CheckResult, d: int) -> bool:
    """Numerator suppressed, denominator d shown: does every non-PASS status band over
    numerators 1..d hold at least two values?"""
    import numpy as np

    if d > _BAND_LIMIT:
        return True
    n = np.arange(1, d + 1, dtype=np.float64)
    return _bands_ok(_statuses(r, n, np.full(d, float(d))))


def _denominator_bands_ok(r: CheckResult, n: int) -> bool:
    """Denominator suppressed, numerator n shown: does every non-PASS status band over the
    denominators n.. (at least 1) hold at least two values? Past the last threshold crossing
    (at 100 n / threshold) the status no longer changes."""
    import numpy as np

    first = max(n, 1)
    limits = [x for x in (r.threshold, r.warn_threshold) if x]
    last = max([first, *(int(100 * n / x) + 2 for x in limits)])
    if last - first > _BAND_LIMIT:
        return False
    d = np.arange(first, last + 1, dtype=np.float64)
    return _bands_ok(_statuses(r, np.full(len(d), float(n)), d), last_is_open=True)


def _breached_vec(measure: Measure, pct: Any, limit: float | None) -> Any:
    import numpy as np

    if limit is None:
        return np.zeros(len(pct), dtype=bool)
    return pct < limit if measure is Measure.RATE else pct > limit


def _status_follows(r: CheckResult) -> bool:
    """Is the status the one the counts alone give (no aggregate breach, no fixed status)?"""
    import numpy as np

    if r.numerator is None or not r.denominator:
        return False
    got = _statuses(r, np.array([float(r.numerator)]), np.array([float(r.denominator)]))
    return int(got[0]) == r.status.rank


def _findings_only(r: CheckResult) -> bool:
    """Zero tolerance: the status tells only whether there are findings at all."""
    edge = 0.0 if r.measure is Measure.VIOLATIONS else 100.0
    return all(x is None or x == edge for x in (r.threshold, r.warn_threshold))


def _published_status(r: CheckResult, n_hidden: bool, d_hidden: bool) -> Status:
    """The status a share-safe report may show (module docstring, "Statuses"). The choice
    depends only on what is shown (which cells are hidden, the shown count, thresholds), never
    on the hidden value, so SUPPRESSED itself reveals nothing."""
    if not (n_hidden or d_hidden) or r.status is Status.PASS:
        return r.status
    if not _status_follows(r):
        return Status.SUPPRESSED
    if _findings_only(r):  # the status says only "some findings", known from suppression
        return r.status
    if n_hidden and d_hidden:
        return Status.SUPPRESSED
    assert r.numerator is not None and r.denominator is not None
    ok = (_numerator_bands_ok(r, r.denominator) if n_hidden
          else _denominator_bands_ok(r, r.numerator))
    return r.status if ok else Status.SUPPRESSED


def _reason(r: CheckResult, n: int | None, d: int | None, pct: float | None,
            min_cell: int) -> str:
    if r.percent is None and r.status in (Status.NOT_APPLICABLE, Status.ERROR):
        return r.reason  # validator wording and parameters only (no measurement)
    limit_word = "minimum" if r.measure is Measure.RATE else "maximum"
    if n is None or d is None:
        parts = [SUPPRESSED_REASON.format(top=min_cell - 1)]
    else:
        parts = [f"{n} of {d} ({format_percent(pct)})"]
    if r.threshold is not None:
        parts.append(f"{limit_word} {r.threshold:g}%")
    if r.warn_threshold is not None:
        parts.append(f"warn at {r.warn_threshold:g}%")
    return "; ".join(parts)


class _Writer:
    """Builds the share-safe Report from the original and the suppressed model."""

    def __init__(self, report: Report, model: CellModel, labels: Mapping[str, str]) -> None:
        self.report = report
        self.model = model
        self.labels = labels
        self.withheld: list[str] = []

    def value(self, key: Key, original: Any) -> Any:
        c = self.model.cell(key)
        if c is None:
            return original
        return None if c.suppressed else original

    def label(self, stratum: str | None) -> str | None:
        return None if stratum is None else self.labels.get(stratum, stratum)

    def results(self) -> tuple[CheckResult, ...]:
        out = []
        top = self.model.min_cell
        for i, r in enumerate(self.report.results):
            n_hidden = self.model.is_suppressed(("check", i, "numerator"))
            d_hidden = self.model.is_suppressed(("check", i, "denominator"))
            n = None if n_hidden else r.numerator
            d = None if d_hidden else r.denominator
            pct = None if (n_hidden or d_hidden) else r.percent
            status = _published_status(r, n_hidden, d_hidden)
            marks = [name for name, hidden in (("numerator", n_hidden),
                                               ("denominator", d_hidden),
                                               ("percent", (n_hidden or d_hidden)
                                                and r.percent is not None),
                                               ("status", status is not r.status)) if hidden]
            if status is not r.status and r.stratum is None:
                self.withheld.append(r.check_id if r.field is None else
                                     f"{r.check_id}[{r.field}]")
            out.append(dataclasses.replace(
                r, stratum=self.label(r.stratum), numerator=n, denominator=d, percent=pct,
                status=status, reason=_reason(r, n, d, pct, top), details={},
                suppressed=tuple(marks)))
        return tuple(out)

    def field(self, f: FieldSummary) -> FieldSummary:
        s = f.stratum
        counts = {cat: self.value(("field", f.field, cat, s), n) for cat, n in f.counts.items()}
        rows = self.value(("field_rows", f.field, s), f.rows)
        marks = ([] if rows is not None or not f.present else ["rows"]) + [
            cat for cat, n in counts.items() if n is None and f.counts[cat] is not None]
        crosswalks = tuple(
            {**x, **{k: self.value(("crosswalk", f.field, str(x.get("crosswalk")), k, s),
                                   x.get(k)) for k in ("rows_mapped", "values_mapped")}}
            for x in f.crosswalks)
        return dataclasses.replace(
            f, stratum=self.label(s), rows=rows, counts=counts, mapped_tokens=(),
            crosswalks=crosswalks, unmapped=(), unmapped_other={}, suppressed=tuple(marks))

    def tabulation(self) -> dict[str, Any]:
        tab = self.report.tabulation
        if not tab:
            return {}
        tables = []
        for t in tab.get("tables", []) or []:
            std, s = t["standard"], t.get("stratum")
            sections = {
                section: [self._entry(std, s, section, e) for e in entries]
                for section, entries in (t.get("sections") or {}).items()}
            tables.append({
                **t, "stratum": self.label(s),
                "rows": self.value(("tab", std, s, "rows"), t.get("rows")),
                "sources": {k: self.value(("tab", std, s, "sources", k), v)
                            for k, v in (t.get("sources") or {}).items()},
                "sections": sections})
        return {**tab, "tables": tables, "share_safe": {"min_cell": self.model.min_cell}}

    def readiness(self) -> tuple[Mapping[str, Any], ...]:
        """Readiness verdicts with every number in their texts masked (the texts quote
        counts, e.g. "informative in 570 of 620")."""
        out = []
        for entry in getattr(self.report, "readiness", ()) or ():
            e = dict(entry)
            for key in ("reasons", "criteria"):
                if isinstance(e.get(key), list | tuple):
                    e[key] = [{**item, "text": mask_numbers(str(item.get("text", "")))}
                              if isinstance(item, Mapping) else item for item in e[key]]
            out.append(e)
        return tuple(out)

    def _entry(self, std: str, s: str | None, section: str, e: Mapping[str, Any]
               ) -> dict[str, Any]:
        count = self.value(("tab", std, s, section, e["key"]), e.get("count"))
        out = {**e, "count": count}
        if count is None and e.get("count") is not None:
            out["suppressed"] = True
        return out

    def dataset(self) -> dict[str, Any]:
        ds = dict(self.report.dataset)
        ds["rows"] = self.value(("rows", None), ds.get("rows"))
        for block in ("caregivers", "fhir"):
            data = ds.get(block)
            if isinstance(data, Mapping):
                ds[block] = {k: self.value(("dataset", block, k), v) for k, v in data.items()}
        return ds


_NUMBER = re.compile(r"(?<![\w.-])\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?(?![\w-])")


def mask_numbers(text: str) -> str:
    """``text`` with every stand-alone number replaced by ``#`` (codes such as 2135-2, R-134
    or omb1997 are kept)."""
    return _NUMBER.sub("#", text)


def _relabel(report: Report, min_cell: int) -> dict[str, str]:
    """Labels of strata with fewer than min_cell rows become ``(small stratum N)``."""
    sizes: dict[str, int] = {}
    for f in report.field_strata:
        if f.stratum is not None:
            sizes.setdefault(f.stratum, f.rows)
    for t in report.tabulation.get("tables", []) or []:
        if t.get("stratum") is not None:
            sizes.setdefault(str(t["stratum"]), int(t.get("rows") or 0))
    small = [s for s in _strata(report) if sizes.get(s, min_cell) < min_cell]
    return {s: SMALL_STRATUM.format(n=i) for i, s in enumerate(small, start=1)}


def _suppressed_model(report: Report, min_cell: int, small: list[str | None]) -> CellModel:
    """The cell model after suppression. A stratum that gets stuck (a recoverable count with
    nothing printed left around it: tiny inputs) is made to show nothing, then the whole
    input, then every stratum, and the suppression starts over."""
    order: list[str | None] = [None, *_strata(report)]
    while True:
        model = _Builder(report, min_cell).build()
        try:
            model.suppress(small=small)
            return model
        except Stuck as stuck:
            nxt = next((s for s in (stuck.stratum, *order) if s not in small), _ALL)
            if nxt is _ALL:
                raise RuntimeError("share-safe: a count cannot be protected") from None
            small.append(nxt)  # type: ignore[arg-type]


_ALL = object()


def share_safe(report: Report, min_cell: int = MIN_CELL) -> Report:
    """A copy of ``report`` fit to share outside the organisation (module docstring).

    Args:
        report: a report from :func:`validator.validate` (not already share-safe).
        min_cell: smallest count shown; counts from 1 to ``min_cell - 1`` are suppressed
            (default 11, the CMS convention: suppress 1-10).

    Raises:
        UsageError: ``min_cell`` below 2, or the report is already share-safe.
    """
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 2:
        raise UsageError(f"min_cell must be a whole number >= 2, not {min_cell!r}",
                         hint="the CMS convention is 11 (suppress counts of 1 to 10)")
    if "share_safe" in report.run:
        raise UsageError("the report is already share-safe")
    labels = _relabel(report, min_cell)
    small: list[str | None] = list(labels)
    rows = report.dataset.get("rows")
    if isinstance(rows, int) and rows < min_cell:
        small.append(None)
    model = _suppressed_model(report, min_cell, small)
    writer = _Writer(report, model, labels)
    results = writer.results()
    hidden_failing = set(writer.withheld)
    gate = report.gate
    gate = Gate(gate.passed, gate.fail_on,
                tuple(x for x in gate.failing if x not in hidden_failing), gate.exit_code)
    primary = sum(c.primary for c in model.cells)
    run = {**report.run, "share_safe": {
        "applied": True, "min_cell": min_cell,
        "cells_suppressed": {"primary": primary,
                             "complementary": sum(c.suppressed for c in model.cells) - primary},
        "statuses_withheld": sum("status" in r.suppressed for r in results),
        "strata_relabelled": len(writer.labels),
        "small_input": None in model.small,
        "strata_without_counts": [writer.label(s) for s in (None, *_strata(report))
                                  if s in model.small],
        "relations": len(model.groups),
    }}
    changes: dict[str, Any] = {}
    if hasattr(report, "readiness"):
        changes["readiness"] = writer.readiness()
    return dataclasses.replace(
        report, run=run, dataset=writer.dataset(), gate=gate, results=results,
        fields=tuple(writer.field(f) for f in report.fields),
        field_strata=tuple(writer.field(f) for f in report.field_strata),
        tabulation=writer.tabulation(), **changes)


def suppressed_cells(report: Report) -> Iterator[tuple[str, Sequence[Any]]]:
    """(where, key) of every suppressed cell of a share-safe report (for tests and audits)."""
    for r in report.results:
        for name in getattr(r, "suppressed", ()):
            yield "check", (r.check_id, r.field, r.stratum, name)
    for f in (*report.fields, *report.field_strata):
        for name in getattr(f, "suppressed", ()):
            yield "field", (f.field, f.stratum, name)
