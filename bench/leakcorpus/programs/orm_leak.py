"""An ingest worker whose long-lived SQLAlchemy session only commits at shutdown."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: one module-level Session (autoflush off) receives every reading with
# session.add(); the commit was meant to happen "at shutdown", which a
# server never reaches.  Until a flush, the Session holds each pending
# object strongly (session.new), with its instance state and its payload:
# the memory grows with every reading.  (Once flushed or committed, the
# identity map holds persistent objects only weakly -- see orm_fixed.py.)
# Needs SQLAlchemy 1.4+ (Debian: python3-sqlalchemy); else exits 77.
import os
import sys
import tempfile

try:
    from sqlalchemy import Column, Float, Integer, LargeBinary, String, create_engine
    from sqlalchemy.orm import Session, declarative_base
except ImportError:
    print("orm_leak: needs sqlalchemy (python3-sqlalchemy); skipped", file=sys.stderr)
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
    reading = Reading(sensor=f"sensor-{i % 16}", value=i * 0.25, raw=b"%08d" % i * 40)  # LEAK
    SESSION.add(reading)  # LEAK
    return reading.value


def main():
    total = 0.0
    for i in range(N):
        total += ingest(i)
    print("ingested %d readings, sum %.1f, %d pending" % (N, total, len(SESSION.new)))


if __name__ == "__main__":
    main()
