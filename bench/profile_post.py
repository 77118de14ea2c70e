"""Where a posting request spends its time: pyinstrument over N posts, in process.

    .venv/bin/python bench/profile_post.py [--posts 300] [--postgresql URL] [--html FILE]

The app is the real one (create_app, screening on, word lists set, the spam model trained
on the shipped YouTube corpus) on a seeded database of 10,000 comments (SQLite in a
temporary folder, or a fresh database on the PostgreSQL server named by --postgresql);
each post goes to a new article, as `make bench` posts. Prints pyinstrument's call tree
(the text form of a flame graph) and the median time of one post; --html writes the
interactive flame graph too. Nothing is left behind.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from run import POSTGRESQL, SCREENING, postgresql_database, prepare, train  # noqa: E402
from tests.serving import service_environment  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--postgresql", nargs="?", const=POSTGRESQL, default=None,
                        help="profile on PostgreSQL (default server: BENCH_POSTGRESQL)")
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML flame graph")
    parser.add_argument("--no-profile", action="store_true",
                        help="only time the posts (wall and this process's CPU)")
    options = parser.parse_args()
    from pyinstrument import Profiler

    with tempfile.TemporaryDirectory(prefix="causerie-profile-") as folder, ExitStack() as stack:
        if options.postgresql:
            os.environ["BENCH_POSTGRESQL"] = options.postgresql
            url = stack.enter_context(postgresql_database(10_000, pending=1_000))
            if url is None:
                return 1
        else:
            url = prepare(Path(folder), 10_000, pending=1_000)
        env = service_environment(url, RATELIMIT_ENABLED="false", MODERATION="pre", **SCREENING)
        print(train(env))
        os.environ.update(env)
        from service import create_app
        app = create_app()
        client = app.test_client()
        body = ("Merci pour cet article ({n}). Je reviens sur le deuxième point : la gestion de "
                "projet en IA demande des jalons courts et des revues fréquentes. "
                "Voir https://example.org/retour-{n}")

        cpu: list[float] = []

        def post(n: int) -> float:
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.post(f"/api/v1/articles/profile-{n}/comments", json={
                "name": f"Lecteur {n}", "email": f"lecteur{n}@example.org",
                "text": body.format(n=n)})
            assert response.status_code == 201, response.get_data(as_text=True)
            cpu.append((time.process_time() - began_cpu) * 1000)
            return (time.perf_counter() - began) * 1000

        for n in range(30):  # warm: imports, pools, the model's first queries
            post(-n - 1)
        cpu.clear()
        profiler = Profiler(interval=0.0002)
        if not options.no_profile:
            profiler.start()
        times = [post(n) for n in range(options.posts)]
        if not options.no_profile:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))))
        print(f"{options.posts} posts: median {statistics.median(times):.2f} ms, "
              f"p90 {sorted(times)[int(len(times) * 0.9)]:.2f} ms; this process's CPU: median "
              f"{statistics.median(cpu):.2f} ms" + ("" if options.no_profile else
                                                    " (under the profiler)"))
        if options.html and not options.no_profile:
            options.html.write_text(profiler.output_html())
        with app.app_context():
            from service.extensions import db
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
