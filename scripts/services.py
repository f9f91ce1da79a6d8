"""Small probes of the backing services for scripts/test.sh (run with the project's virtualenv).

services.py hostport URL          prints "host port" of a database or Redis URL
services.py pg-ping URL           exit 0 if the PostgreSQL server of URL accepts the URL's user
services.py pg-createdb URL       creates the URL's database if it does not exist
services.py redis-ping URL        exit 0 if Redis answers
services.py redis-flush URL       empties the URL's Redis database (tests use a dedicated one)
"""

import sys
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"postgres": 5432, "postgresql": 5432, "redis": 6379}


def hostport(url):
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or DEFAULT_PORTS.get(parts.scheme, 0)


def pg_connect(url, dbname="postgres"):
    import psycopg

    parts = urlsplit(url)
    host, port = hostport(url)
    return psycopg.connect(
        host=host,
        port=port,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or "") or None,
        dbname=dbname,
        connect_timeout=3,
        autocommit=True,
    )


def pg_ping(url):
    try:
        pg_connect(url).close()
    except Exception as exc:
        print(f"PostgreSQL: {exc}".strip(), file=sys.stderr)
        return 1
    return 0


def pg_createdb(url):
    from psycopg import sql

    name = unquote(urlsplit(url).path.lstrip("/"))
    if not name:
        return 0
    with pg_connect(url) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"==> Base {name} créée")
    return 0


def redis_client(url):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)


def redis_ping(url):
    try:
        redis_client(url).ping()
    except Exception as exc:
        print(f"Redis: {exc}", file=sys.stderr)
        return 1
    return 0


def redis_flush(url):
    redis_client(url).flushdb()
    return 0


def main(argv):
    command, url = argv[1], argv[2]
    if command == "hostport":
        print(*hostport(url))
        return 0
    return {
        "pg-ping": pg_ping,
        "pg-createdb": pg_createdb,
        "redis-ping": redis_ping,
        "redis-flush": redis_flush,
    }[command](url)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
