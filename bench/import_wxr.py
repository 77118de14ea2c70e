"""Import a synthetic WordPress export of N comments and report time and peak memory.

    .venv/bin/python bench/import_wxr.py [N ...]      (default: 10000 100000)

Each run writes a WXR file (100 comments per post, every third one a reply, a few
spam and pending), then runs `flask --app wsgi import wordpress` in a child process on a
fresh SQLite file (or on DATABASE_URL if set: give it an empty database), and prints the
wall time, that child's CPU time and peak resident memory (os.wait4's rusage): on a
busy machine the CPU time says more than the wall time.
"""

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("merci pour cet article très clair je ne suis pas d'accord avec la conclusion "
         "voici un lien https://example.org/page et une <em>nuance</em> importante").split()


def write_wxr(path: Path, comments: int, per_post: int = 100) -> None:
    rng = random.Random(42)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                  'xmlns:wp="http://wordpress.org/export/1.2/" '
                  'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>\n')
        for post in range(1, comments // per_post + 1):
            out.write(f"<item><title>Post {post}</title><link>https://blog.example/post-{post}/</link>"
                      f"<wp:post_id>{post}</wp:post_id><wp:post_name>post-{post}</wp:post_name>"
                      "<wp:comment_status>open</wp:comment_status><wp:post_type>post</wp:post_type>\n")
            for n in range(per_post):
                id = (post - 1) * per_post + n + 1
                parent = id - 1 - rng.randrange(n) if n and n % 3 == 0 else 0
                status = rng.choices(["1", "0", "spam", "trash"], [90, 5, 4, 1])[0]
                text = " ".join(rng.choices(WORDS, k=rng.randint(8, 60)))
                out.write(f"<wp:comment><wp:comment_id>{id}</wp:comment_id>"
                          f"<wp:comment_author>Lecteur {id % 977}</wp:comment_author>"
                          f"<wp:comment_author_email>reader{id % 977}@example.org</wp:comment_author_email>"
                          f"<wp:comment_author_IP>192.0.2.{id % 250}</wp:comment_author_IP>"
                          f"<wp:comment_date_gmt>2019-0{1 + id % 9}-1{id % 10} 10:00:00</wp:comment_date_gmt>"
                          f"<wp:comment_content><![CDATA[<p>{text}</p>]]></wp:comment_content>"
                          f"<wp:comment_approved>{status}</wp:comment_approved>"
                          f"<wp:comment_type>comment</wp:comment_type>"
                          f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n")
            out.write("</item>\n")
        out.write("</channel></rss>\n")


def run(comments: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        wxr = Path(folder) / f"synthetic-{comments}.xml"
        write_wxr(wxr, comments)
        env = {**os.environ, "DATABASE_URL": os.environ.get(
            "DATABASE_URL", f"sqlite:///{Path(folder) / 'bench.db'}"), "LOG_LEVEL": "WARNING"}
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        start = time.perf_counter()
        child = subprocess.Popen([*flask, "import", "wordpress", str(wxr)], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert child.stdout is not None
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        peak = usage.ru_maxrss
        done = subprocess.CompletedProcess(child.args, child.returncode, output, "")
        if done.returncode:
            sys.exit(done.stderr)
        imported = next(line for line in done.stdout.splitlines() if "comments imported" in line)
        print(f"{comments:>7} comments, file {wxr.stat().st_size / 1e6:.1f} MB: "
              f"{seconds:.1f} s ({comments / seconds:,.0f}/s), CPU "
              f"{usage.ru_utime + usage.ru_stime:.1f} s, peak RSS "
              f"{peak / 1024:.0f} MiB; {imported.split()[-1]} imported")


if __name__ == "__main__":
    for count in [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]:
        run(count)
