"""Accounts of archivists and admins: create, change password, role or access.

Used by `archive user add` and by the admin's users page alike.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from core.catalogue.schema import User
from core.errors import CatalogueError

ROLES = ("archivist", "admin")
# argon2id with the library's defaults (RFC 9106 second recommendation: 64 MiB, t=3).
# Tests swap in a cheaper profile; production never does.
HASHER = PasswordHasher()
# Verified against unknown user names so that a miss costs as much as a wrong password.
DUMMY_HASH = HASHER.hash("not a real password")

MIN_PASSWORD_CHARS = 10
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")


def check_password(password: str) -> None:
    """Refuse passwords too short to resist guessing."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise CatalogueError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")


def find_user(db: OrmSession, username: str) -> User | None:
    """Return the account with this user name (case-insensitive), or None."""
    return db.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def create_user(db: OrmSession, username: str, password: str, role: str = "archivist") -> User:
    """Create an active account; the caller commits."""
    username = username.strip()
    if not _USERNAME.match(username):
        raise CatalogueError(
            f"“{username}” is not a valid user name: use 2 to 100 letters, "
            "digits, dots, dashes, underscores or @"
        )
    if role not in ROLES:
        raise CatalogueError(f"unknown role {role!r}: choose {' or '.join(ROLES)}")
    if find_user(db, username) is not None:
        raise CatalogueError(f"the user name “{username}” is already taken")
    check_password(password)
    user = User(username=username, password_hash=hash_password(password), role=role, active=True)
    db.add(user)
    db.flush()
    return user


def set_password(db: OrmSession, user: User, password: str) -> None:
    """Replace the user's password."""
    check_password(password)
    user.password_hash = hash_password(password)


def update_account(
    db: OrmSession, user: User, *, role: str, active: bool, acting_user_id: int
) -> None:
    """Change role and access, refusing to lock out the last active admin."""
    if role not in ROLES:
        raise CatalogueError(f"unknown role {role!r}")
    losing_admin = user.role == "admin" and user.active and (role != "admin" or not active)
    if losing_admin:
        admins = db.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.active.is_(True))
        )
        if admins <= 1:
            raise CatalogueError("this is the last active admin: make someone else admin first")
    if user.id == acting_user_id and not active:
        raise CatalogueError("you cannot deactivate your own account")
    user.role, user.active = role, active


def list_users(db: OrmSession) -> list[User]:
    """Return every account, by user name."""
    return list(db.scalars(select(User).order_by(func.lower(User.username))))


def hash_password(password: str) -> str:
    """Return an argon2id hash of password for storage."""
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Say whether password matches the stored hash (never raises on a bad hash)."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_credentials(db: OrmSession, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None; upgrade an outdated hash.

    An unknown name costs one hash verification too, so that timing does not
    tell which user names exist.
    """
    user = find_user(db, username)
    if user is None or not user.active:
        verify_password(DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.commit()
    return user
