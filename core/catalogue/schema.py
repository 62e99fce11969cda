"""Catalogue tables as SQLAlchemy 2 declarative models.

Times are integer milliseconds from the start of the session's recording.
Transcripts are versioned: a correction or a re-transcription adds a version,
never rewrites an earlier one, so permalinks can pin the text they quoted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Return the current time, timezone-aware, for created/updated stamps."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite drops the zone on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base of every catalogue table."""


class Series(Base):
    """A seminar cycle or conference series."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="fr")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sessions: Mapped[list[Session]] = relationship(back_populates="series")


class Person(Base):
    """Somebody who speaks, chairs or discusses; affiliations live on appearances."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    affiliation: Mapped[str] = mapped_column(String(300), default="")  # the latest known
    bio: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")

    appearances: Mapped[list[Appearance]] = relationship(back_populates="person")


class Session(Base):
    """A séance: one event of a series, with its programme and recordings."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(500))
    date: Mapped[date | None] = mapped_column(Date, nullable=True)
    place: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(8), default="fr")
    description: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    series: Mapped[Series | None] = relationship(back_populates="sessions")
    items: Mapped[list[ProgrammeItem]] = relationship(
        back_populates="session", order_by="ProgrammeItem.position", cascade="all, delete-orphan"
    )
    recordings: Mapped[list[Recording]] = relationship(
        back_populates="session", order_by="Recording.id"
    )
    transcripts: Mapped[list[Transcript]] = relationship(
        back_populates="session", order_by="Transcript.version"
    )


class ProgrammeItem(Base):
    """A talk, opening, introduction or discussion, in programme order."""

    __tablename__ = "programme_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40), default="talk")
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    start_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    session: Mapped[Session] = relationship(back_populates="items")
    appearances: Mapped[list[Appearance]] = relationship(
        back_populates="item", order_by="Appearance.position", cascade="all, delete-orphan"
    )


class Appearance(Base):
    """A person in a programme item, with the affiliation and role they had then."""

    __tablename__ = "appearances"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("programme_items.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(40), default="speaker")
    affiliation: Mapped[str] = mapped_column(String(300), default="")
    # Where this person starts speaking, when an item has several speakers in turn.
    start_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    item: Mapped[ProgrammeItem] = relationship(back_populates="appearances")
    person: Mapped[Person] = relationship(back_populates="appearances")


class Recording(Base):
    """An original media file (never modified) and what was derived from it."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    original_name: Mapped[str] = mapped_column(String(500))
    original_path: Mapped[str] = mapped_column(String(1000))  # relative to the archive home
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    duration_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    container: Mapped[str] = mapped_column(String(100), default="")
    streams: Mapped[list] = mapped_column(JSON, default=list)
    playable_path: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    poster_path: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship(back_populates="recordings")

    @property
    def has_video(self) -> bool:
        return any(s.get("kind") == "video" for s in self.streams or [])


class Transcript(Base):
    """One version of a session's transcript; the highest version is the current one."""

    __tablename__ = "transcripts"
    __table_args__ = (UniqueConstraint("session_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recordings.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40), default="whisper")  # whisper|import|edit
    model: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="fr")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    author: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship(back_populates="transcripts")
    segments: Mapped[list[Segment]] = relationship(
        back_populates="transcript", order_by="Segment.position", cascade="all, delete-orphan"
    )


class Segment(Base):
    """A timed stretch of one transcript version (ms), with its word timings."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("transcript_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    start_ms: Mapped[int] = mapped_column(BigInteger)
    end_ms: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    # The voice found by diarization ("1", "2"…, one numbering per session): segments
    # of a voice nobody has named yet show as "Speaker 1"; renaming a voice renames them all.
    voice: Mapped[str | None] = mapped_column(String(20), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # [[start_ms, end_ms, text, probability], ...]: compact and read as a whole.
    words: Mapped[list] = mapped_column(JSON, default=list)

    transcript: Mapped[Transcript] = relationship(back_populates="segments")
    speaker: Mapped[Person | None] = relationship()


class SessionVoice(Base):
    """A voice diarization found in a session: who it is, and its embedding while allowed.

    The embedding (float32, L2-normalised) is biometric data: it never leaves the
    catalogue through a public route, and deleting a person's voiceprint erases
    the embeddings of the voices confirmed as that person too.
    """

    __tablename__ = "session_voices"
    __table_args__ = (UniqueConstraint("session_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(20))
    model: Mapped[str] = mapped_column(String(100), default="")
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    speech_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    # Set once an archivist names this voice (or accepts a proposal): the name is confirmed.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    # What a stored voiceprint suggested at ingest, with its cosine score; never applied alone.
    proposed_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    proposed_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship()
    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    proposed_person: Mapped[Person | None] = relationship(foreign_keys=[proposed_person_id])


class Voiceprint(Base):
    """A person's voiceprint: the mean embedding of their confirmed speech, per model.

    Biometric data: used only to propose names at ingest, deletable by an admin,
    never exposed by the public portal or API.
    """

    __tablename__ = "voiceprints"
    __table_args__ = (UniqueConstraint("person_id", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(100))
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    speech_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    sessions: Mapped[int] = mapped_column(Integer, default=0)  # how many voices it averages
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship()


class GlossaryTerm(Base):
    """A name, place, organisation or term of a series, spelled as it should be.

    It joins the programme's names in the recogniser's hot words at the next
    ingest and is offered in the editor when a word sounds like it. `heard_as`
    lists misspellings seen in transcripts ("Néo City"), one per line.
    """

    __tablename__ = "glossary_terms"
    __table_args__ = (UniqueConstraint("series_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    term: Mapped[str] = mapped_column(String(200))
    # The folded term (core.text.fold_words): one entry per spelling, whatever its case/accents.
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="term")  # core.glossary.KINDS
    heard_as: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    series: Mapped[Series] = relationship()


class Job(Base):
    """A background or foreground ingest run, with the step it reached."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), default="ingest")
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), nullable=True)
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recordings.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(20), default="queued")  # a core.states.JobState
    step: Mapped[str] = mapped_column(String(40), default="")
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1 of the current run
    eta_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    steps_done: Mapped[dict] = mapped_column(JSON, default=dict)  # step -> what it produced
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    session: Mapped[Session | None] = relationship()
    recording: Mapped[Recording | None] = relationship()


class User(Base):
    """An archivist or admin account; viewers need none."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="archivist")  # archivist|admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Upload(Base):
    """A resumable upload from the workspace: bytes land in `<home>/uploads/<id>.part`.

    The file on disk is the truth for how many bytes arrived; `received_bytes`
    is the last offset the portal acknowledged, shown in the uploads list.
    """

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex, used in URLs
    filename: Mapped[str] = mapped_column(String(500))  # the name the archivist chose, sanitised
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    received_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), nullable=True)
    username: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), default="uploading")  # a core.states.UploadState
    error: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # language, model for the job
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    session: Mapped[Session | None] = relationship()
    job: Mapped[Job | None] = relationship()


class ThrottleCounter(Base):
    """One sign-in throttling key (`account:<name>` or `address:<ip>`) shared by every process.

    `tat_ms` is the key's theoretical arrival time (epoch ms) in the generic cell
    rate algorithm of `core.throttle`: a row whose time has passed counts as absent.
    """

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    tat_ms: Mapped[int] = mapped_column(BigInteger, index=True)
