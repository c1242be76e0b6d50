"""The register: a database of initiatives, every assessment taken, the decisions made and
the actuals measured since.

SQLite by default, a file created on first use (`roi-register.sqlite3` in the current
folder, or `--db PATH`; a `.lock` file beside it lets one process at a time set it up);
PostgreSQL, or any database SQLAlchemy reaches, through a URL (`--db postgresql://...`
or `ROI_DATABASE_URL`). The schema is kept by Alembic
migrations (`roi/register/migrations`): a register made by an older roi is upgraded
when it is opened, one made by a newer roi is refused with a message.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from roi._version import __version__
from roi.assess import HEADLINES, Assessment
from roi.exceptions import RoiError
from roi.scenario import Scenario, scenario_from_dict
from roi.tracking import Measurement

DEFAULT_PATH = "roi-register.sqlite3"
"""The register's file when neither --db nor ROI_DATABASE_URL names one."""
ENVIRONMENT = "ROI_DATABASE_URL"
MIGRATIONS = Path(__file__).with_name("migrations")

metadata = sa.MetaData()
initiatives = sa.Table(
    "initiatives",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
assessments = sa.Table(
    "assessments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("initiative_id", sa.Integer, sa.ForeignKey("initiatives.id"), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("roi_version", sa.Text, nullable=False),
    sa.Column("input_hash", sa.Text, nullable=False),
    sa.Column("inputs", sa.Text, nullable=False),
    sa.Column("samples", sa.Integer, nullable=False),
    sa.Column("seed", sa.Integer, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("headline", sa.Text, nullable=False),
    sa.Column("memo_html", sa.Text),
)
decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), nullable=False),
    sa.Column("gate", sa.Integer),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("decider", sa.Text),
    sa.Column("decided_on", sa.Date),
    sa.Column("signoffs", sa.Text, nullable=False),
)
actuals = sa.Table(
    "actuals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("initiative_id", sa.Integer, sa.ForeignKey("initiatives.id"), nullable=False),
    sa.Column("measured_on", sa.Date, nullable=False),
    sa.Column("field", sa.Text, nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)


class RegisterError(RoiError, ValueError):
    """The register cannot be opened or does not hold what was asked for."""


def database_url(db: str | os.PathLike[str] | None = None) -> str:
    """The register's URL: `db` (a URL or a file path), else ROI_DATABASE_URL, else the
    SQLite file in the current folder. postgresql:// uses psycopg (version 3).

    >>> database_url("postgresql://u@127.0.0.1:5432/roi")
    'postgresql+psycopg://u@127.0.0.1:5432/roi'
    >>> database_url("/tmp/r.sqlite3")
    'sqlite:////tmp/r.sqlite3'
    """
    value = str(db) if db is not None else os.environ.get(ENVIRONMENT) or DEFAULT_PATH
    if "://" in value:
        for plain in ("postgresql://", "postgres://"):
            if value.startswith(plain):
                return "postgresql+psycopg://" + value[len(plain) :]
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _shown(url: str) -> str:
    """A URL as messages show it: no password."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 60})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            # Writers from several processes wait for each other instead of failing; WAL
            # lets readers go on meanwhile. Foreign keys are checked, as PostgreSQL does.
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _scripts() -> Any:
    """Alembic's view of roi's migrations (the revisions, oldest to newest)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def _heads() -> tuple[str, ...]:
    return tuple(_scripts().get_heads())


def _revisions() -> set[str]:
    return {s.revision for s in _scripts().walk_revisions()}


def migrate(connection: Connection, revision: str = "head") -> None:
    """Bring the register's schema to `revision` (the newest by default)."""
    from alembic import command

    command.upgrade(_alembic_config(connection), revision)


@dataclass(frozen=True)
class Entry:
    """One recorded assessment of an initiative, with the decision taken on it."""

    id: int
    name: str
    recorded_at: datetime
    roi_version: str
    input_hash: str
    inputs: dict[str, Any]
    samples: int
    seed: int
    outcome: str
    headline: dict[str, Any]
    gate: int | None
    decider: str | None
    decided_on: date | None
    signoffs: list[dict[str, str]]

    @property
    def scenario(self) -> Scenario:
        return scenario_from_dict(self.inputs, source=f"register: {self.name}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "recorded_at": self.recorded_at.isoformat(),
            "roi_version": self.roi_version,
            "input_hash": self.input_hash,
            "outcome": self.outcome,
            "headline": self.headline,
            "gate": self.gate,
            "decider": self.decider,
            "decided_on": None if self.decided_on is None else self.decided_on.isoformat(),
            "signoffs": self.signoffs,
        }


def headline_record(assessment: Assessment) -> dict[str, Any]:
    """What a register keeps of an assessment's figures: the headline on its basis (with
    P10 and P90), the one-time cost, the plan's likely weeks, and the kill lines."""
    record: dict[str, Any] = {"basis": assessment.basis}
    for key, _, _ in HEADLINES:
        h = assessment.headline(key)
        record[key] = {"value": h.value, "p10": h.p10, "p90": h.p90, "of": h.source}
    results = assessment.results
    record["one_time_cost"] = results.one_time_cost
    record["plan_weeks"] = results.timeline.likely_weeks
    record["prob_meets_threshold"] = assessment.prob_meets_threshold
    record["kill_lines"] = [
        {"field": row.field, "direction": row.direction, "value": row.value}
        for row in results.break_even
        if row.value is not None and row.direction
    ]
    return record


class Register:
    """One register, open on one database. Each method is one transaction."""

    def __init__(self, db: str | os.PathLike[str] | None = None) -> None:
        self.url = database_url(db)
        self._check_file()
        self.engine = _engine(self.url)
        try:
            self._upgrade()
        except RegisterError:
            self.engine.dispose()
            raise
        except sa.exc.DBAPIError as error:
            self.engine.dispose()
            raise RegisterError(
                f"{_shown(self.url)} cannot be opened as a roi register: {error.orig}"
            ) from None

    def _check_file(self) -> None:
        if not self.url.startswith("sqlite:///"):
            return
        path = Path(self.url.removeprefix("sqlite:///"))
        if path.is_dir():
            raise RegisterError(f"{path} is a folder: a register is a file (--db FILE)")
        if path.exists() and path.stat().st_size:
            with path.open("rb") as handle:
                if handle.read(16) != b"SQLite format 3\x00":
                    raise RegisterError(
                        f"{path} is not a roi register: it is not a SQLite database "
                        "(name a new file, or the register's own)"
                    )
        elif not path.parent.is_dir():
            raise RegisterError(f"{path.parent} does not exist: the register's folder must")

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """One process at a time checks and migrates the schema: two first uses of a new
        register at once must not both create it. SQLite: a lock file beside the register
        (`<file>.lock`); PostgreSQL: an advisory lock held while the schema is checked."""
        if self.url.startswith("sqlite:///"):
            import fcntl

            lock_path = Path(self.url.removeprefix("sqlite:///") + ".lock")
            with lock_path.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        elif self.engine.dialect.name == "postgresql":
            with self.engine.connect() as connection:
                connection.execute(sa.text("SELECT pg_advisory_lock(7203514)"))
                try:
                    yield
                finally:
                    connection.execute(sa.text("SELECT pg_advisory_unlock(7203514)"))
                    connection.commit()
        else:
            yield

    def _upgrade(self) -> None:
        with self._migration_lock():
            self._upgrade_locked()

    def _upgrade_locked(self) -> None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
            current = MigrationContext.configure(connection).get_current_revision()
        known = _revisions()
        if current is None and tables - {"alembic_version"}:
            raise RegisterError(
                f"{_shown(self.url)} is not a roi register: it holds other tables "
                f"({', '.join(sorted(tables)[:5])}); name a new file or database"
            )
        if current is not None and current not in known:
            raise RegisterError(
                f"{_shown(self.url)} was made by a newer roi (schema {current}); this is roi "
                f"{__version__}: upgrade roi to use it"
            )
        if current in _heads():
            return
        with self.engine.begin() as connection:
            migrate(connection)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    # --- writing -----------------------------------------------------------------

    def _initiative_id(self, connection: Connection, name: str, create: bool) -> int:
        found = connection.execute(
            sa.select(initiatives.c.id).where(initiatives.c.name == name)
        ).scalar()
        if found is not None:
            return int(found)
        if not create:
            raise RegisterError(self._unknown(connection, name))
        try:
            with connection.begin_nested():
                key = connection.execute(
                    initiatives.insert().values(name=name, created_at=datetime.now(UTC))
                ).inserted_primary_key
        except sa.exc.IntegrityError:  # recorded by another writer meanwhile
            return self._initiative_id(connection, name, create=False)
        assert key is not None
        return int(key[0])

    def _unknown(self, connection: Connection, name: str) -> str:
        import difflib

        names = connection.execute(sa.select(initiatives.c.name)).scalars().all()
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"no initiative named {name!r} in the register {_shown(self.url)}{hint}"

    def record(
        self,
        assessment: Assessment,
        *,
        input_hash: str,
        samples: int,
        seed: int,
        gate: int | None = None,
        decider: str | None = None,
        decided_on: date | None = None,
        signoffs: Sequence[dict[str, str]] = (),
        memo_html: str | None = None,
    ) -> int:
        """Store an assessment and the decision taken on it; returns the assessment's id."""
        scenario = assessment.scenario
        with self._transaction() as connection:
            initiative = self._initiative_id(connection, scenario.name, create=True)
            key = connection.execute(
                assessments.insert().values(
                    initiative_id=initiative,
                    recorded_at=datetime.now(UTC),
                    roi_version=__version__,
                    input_hash=input_hash,
                    inputs=json.dumps(scenario.to_dict(), ensure_ascii=False, default=str),
                    samples=samples,
                    seed=seed,
                    outcome=assessment.outcome,
                    headline=json.dumps(headline_record(assessment), allow_nan=False),
                    memo_html=memo_html,
                )
            ).inserted_primary_key
            assert key is not None
            connection.execute(
                decisions.insert().values(
                    assessment_id=key[0],
                    gate=gate,
                    outcome=assessment.outcome,
                    decider=decider,
                    decided_on=decided_on,
                    signoffs=json.dumps(list(signoffs), ensure_ascii=False),
                )
            )
        return int(key[0])

    def add_actuals(self, name: str, measurements: Iterable[Measurement], source: str) -> int:
        """Store dated measurements for a recorded initiative; returns how many. A
        measurement of an input on a date already measured replaces it (a correction, or
        the same file tracked again), so nothing is counted twice."""
        now = datetime.now(UTC)
        measurements = list(measurements)
        with self._transaction() as connection:
            initiative = self._initiative_id(connection, name, create=False)
            if measurements:
                connection.execute(
                    actuals.delete().where(
                        actuals.c.initiative_id == initiative,
                        actuals.c.field == sa.bindparam("f"),
                        actuals.c.measured_on == sa.bindparam("d"),
                    ),
                    [{"f": m.field, "d": m.measured_on} for m in measurements],
                )
            rows = [
                {
                    "initiative_id": initiative,
                    "measured_on": m.measured_on,
                    "field": m.field,
                    "value": m.value,
                    "source": source,
                    "recorded_at": now,
                }
                for m in measurements
            ]
            if rows:
                connection.execute(actuals.insert(), rows)
        return len(rows)

    # --- reading -----------------------------------------------------------------

    def names(self) -> list[str]:
        with self.engine.connect() as connection:
            return list(
                connection.execute(sa.select(initiatives.c.name).order_by(initiatives.c.name))
                .scalars()
                .all()
            )

    def history(self, name: str) -> list[Entry]:
        """Every recorded assessment of an initiative, oldest first."""
        query = (
            sa.select(assessments, initiatives.c.name, decisions)
            .join(initiatives, initiatives.c.id == assessments.c.initiative_id)
            .join(decisions, decisions.c.assessment_id == assessments.c.id)
            .where(initiatives.c.name == name)
            .order_by(assessments.c.id)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
            if not rows:
                raise RegisterError(self._unknown(connection, name))
        return [_entry(row) for row in rows]

    def latest(self, name: str) -> Entry:
        return self.history(name)[-1]

    def measurements(self, name: str) -> list[Measurement]:
        """An initiative's actuals, oldest first."""
        query = (
            sa.select(actuals.c.measured_on, actuals.c.field, actuals.c.value)
            .join(initiatives, initiatives.c.id == actuals.c.initiative_id)
            .where(initiatives.c.name == name)
            .order_by(actuals.c.measured_on, actuals.c.id)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [Measurement(_as_date(r[0]), r[1], float(r[2])) for r in rows]

    def gate_record(self) -> dict[int, tuple[int, int]]:
        """{gate: (passed, stopped)} over every recorded decision that names its gate."""
        query = (
            sa.select(decisions.c.gate, decisions.c.outcome, sa.func.count())
            .where(decisions.c.gate.is_not(None))
            .group_by(decisions.c.gate, decisions.c.outcome)
        )
        record: dict[int, list[int]] = {}
        with self.engine.connect() as connection:
            for gate, outcome, count in connection.execute(query):
                entry = record.setdefault(int(gate), [0, 0])
                entry[1 if outcome == "No-go" else 0] += int(count)
        return {gate: (passed, stopped) for gate, (passed, stopped) in record.items()}

    def latest_actuals(self) -> list[dict[str, Any]]:
        """For every initiative and measured input, the latest measurement (one query):
        the portfolio's plan against actual."""
        latest = (
            sa.select(
                actuals.c.initiative_id,
                actuals.c.field,
                sa.func.max(actuals.c.measured_on).label("measured_on"),
            )
            .group_by(actuals.c.initiative_id, actuals.c.field)
            .subquery()
        )
        query = (
            sa.select(initiatives.c.name, actuals.c.field, actuals.c.measured_on, actuals.c.value)
            .join(
                latest,
                sa.and_(
                    actuals.c.initiative_id == latest.c.initiative_id,
                    actuals.c.field == latest.c.field,
                    actuals.c.measured_on == latest.c.measured_on,
                ),
            )
            .join(initiatives, initiatives.c.id == actuals.c.initiative_id)
            .order_by(initiatives.c.name, actuals.c.field)
        )
        with self.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _entry(row: Any) -> Entry:
    decided = row["decided_on"]
    return Entry(
        id=int(row["id"]),
        name=row["name"],
        recorded_at=row["recorded_at"],
        roi_version=row["roi_version"],
        input_hash=row["input_hash"],
        inputs=json.loads(row["inputs"]),
        samples=int(row["samples"]),
        seed=int(row["seed"]),
        outcome=row["outcome"],
        headline=json.loads(row["headline"]),
        gate=row["gate"],
        decider=row["decider"],
        decided_on=None if decided is None else _as_date(decided),
        signoffs=json.loads(row["signoffs"]),
    )


def changes(before: Entry, after: Entry) -> list[str]:
    """What changed between two recorded assessments, in a leader's words:
    'value -20%, cost +15%, go-live +6 weeks'.

    >>> a = dict(npv={"value": 100.0}, one_time_cost=100.0, plan_weeks=16.0)
    >>> b = dict(npv={"value": 80.0}, one_time_cost=115.0, plan_weeks=22.0)
    >>> e = lambda h, o: Entry(1, "x", datetime(2027, 1, 1), "0", "", {}, 0, 0, o, h, None,
    ...                        None, None, [])
    >>> changes(e(a, "Go"), e(b, "Conditional go"))
    ['decision Go -> Conditional go', 'value -20%', 'cost +15%', 'go-live +6 weeks']
    """
    out = []
    if before.outcome != after.outcome:
        out.append(f"decision {before.outcome} -> {after.outcome}")
    for label, get in (
        ("value", lambda h: (h.get("npv") or {}).get("value")),
        ("cost", lambda h: h.get("one_time_cost")),
    ):
        old, new = get(before.headline), get(after.headline)
        if old is None or new is None or old == new:
            continue
        if old:
            out.append(f"{label} {(new - old) / abs(old) * 100:+.0f}%")
        else:
            out.append(f"{label} from 0 to {new:,.0f}")
    old_weeks, new_weeks = before.headline.get("plan_weeks"), after.headline.get("plan_weeks")
    if old_weeks is not None and new_weeks is not None and old_weeks != new_weeks:
        out.append(f"go-live {new_weeks - old_weeks:+g} weeks")
    return out


__all__ = [
    "DEFAULT_PATH",
    "ENVIRONMENT",
    "Entry",
    "Register",
    "RegisterError",
    "changes",
    "database_url",
    "headline_record",
    "migrate",
]
