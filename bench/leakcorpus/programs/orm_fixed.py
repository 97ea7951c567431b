"""The fixed ingest worker: it commits every 100 readings, so the session lets go of them."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same worker as orm_leak.py, but it commits every 100
# readings.  After a commit the objects are persistent and expired, the
# identity map references them weakly, and they are freed as soon as the
# worker drops them.  The database grows on disk, not in the process (a
# file database: SQLite's page cache is bounded).
# Needs SQLAlchemy 1.4+ (Debian: python3-sqlalchemy); else exits 77.
import os
import sys
import tempfile

try:
    from sqlalchemy import Column, Float, Integer, LargeBinary, String, create_engine
    from sqlalchemy.orm import Session, declarative_base
except ImportError:
    print("orm_fixed: needs sqlalchemy (python3-sqlalchemy); skipped", file=sys.stderr)
    sys.exit(77)

N = int(2500 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))

Base = declarative_base()


class Reading(Base):
    __tablename__ = "readings"
    id = Column(Integer, primary_key=True)
    sensor = Column(String(32))
    value = Column(Float)
    raw = Column(LargeBinary)


WORKDIR = tempfile.TemporaryDirectory(prefix="leakcorpus-orm-")
ENGINE = create_engine("sqlite:///" + os.path.join(WORKDIR.name, "readings.db"))
Base.metadata.create_all(ENGINE)
SESSION = Session(ENGINE, autoflush=False)


def ingest(i):
    reading = Reading(sensor=f"sensor-{i % 16}", value=i * 0.25, raw=b"%08d" % i * 40)  # NOLEAK
    SESSION.add(reading)  # NOLEAK
    if i % 100 == 99:
        SESSION.commit()
    return i * 0.25


def main():
    total = 0.0
    for i in range(N):
        total += ingest(i)
    SESSION.commit()
    print("ingested %d readings, sum %.1f, %d pending" % (N, total, len(SESSION.new)))


if __name__ == "__main__":
    main()
