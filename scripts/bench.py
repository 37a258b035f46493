#!/usr/bin/env python3
"""scripts/bench's measurements, in one run: packaging against zip -6, the all-at-once deploy
against the aws CLI script, start-up, the package-and-upload half overlapped against packaging
then uploading, and the upload against aws s3 cp.

Usage: bench.py LAMBDA_SHIFT LAMBDA_SHIFT_BENCH
Each measure alternates the two tools, three runs each, and reports medians, the ratio
and peak RSS of each process. Start-up
is the exception: `lambda-shift --version` against /usr/bin/true (doing nothing), 41 alternating
runs each, its ratio ours / true (how many times the cost of starting any process at all); the
same measure as scripts/release's, in scripts/lib/startup.py.
"""

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
import botocore

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import startup  # noqa: E402  (scripts/lib/startup.py, shared with scripts/release)

ours, bench_tool = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="lambda-shift-bench-")
RUNS = 3


def run(argv, cwd=None, env=None, cpu=None, out=None):
    """Runs a command under GNU time; returns (seconds, peak RSS in MiB), and appends its CPU
    seconds (user + system) to `cpu` and its standard output to `out` when given. GNU time forks
    the command from its own small process, so the RSS and CPU are the command's, not a copy of
    Python's."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S"] + argv, cwd=cwd, env=env,
                          stdout=subprocess.PIPE if out is not None else subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} failed: {proc.stderr}")
    rss, user, system = proc.stderr.strip().splitlines()[-1].split()
    if cpu is not None:
        cpu.append(float(user) + float(system))
    if out is not None:
        out.append(proc.stdout)
    return elapsed, int(rss) / 1024


def generated_tree(root):
    """About 200 MB: source-like text that compresses, and binaries that do not."""
    rng = random.Random(20261121)
    words = ["def", "return", "self", "import", "lambda", "value", "event", "context", "client", "region",
             "for", "in", "if", "else", "None", "True", "response", "request", "bucket", "key", "alias"]
    for i in range(2400):
        d = os.path.join(root, "pkg", f"mod{i % 40}")
        os.makedirs(d, exist_ok=True)
        lines = []
        size = 0
        while size < 50_000:
            line = "    " * rng.randint(0, 3) + " ".join(rng.choice(words) for _ in range(rng.randint(3, 12))) + "\n"
            lines.append(line)
            size += len(line)
        with open(os.path.join(d, f"file{i}.py"), "w") as f:
            f.write("".join(lines))
    os.makedirs(os.path.join(root, "bin"), exist_ok=True)
    for i in range(32):
        with open(os.path.join(root, "bin", f"lib{i}.so"), "wb") as f:
            f.write(rng.randbytes(2_700_000))


def tree_size(root):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(root) for f in fs)


def measure_packaging(name, root):
    zip_times, our_times, zip_rss, our_rss, zip_cpu, our_cpu = [], [], [], [], [], []
    for i in range(RUNS):
        zip_out = os.path.join(work, f"{name}-zip.zip")
        our_out = os.path.join(work, f"{name}-ours.zip")
        for path in (zip_out, our_out):
            if os.path.exists(path):
                os.remove(path)
        t, r = run(["zip", "-qrX", "-6", zip_out, "."], cwd=root, cpu=zip_cpu)
        zip_times.append(t); zip_rss.append(r)
        t, r = run([ours, "package", "--source", root, "--out", our_out], cpu=our_cpu)
        our_times.append(t); our_rss.append(r)
    zip_size, our_size = os.path.getsize(zip_out), os.path.getsize(our_out)
    z, o = statistics.median(zip_times), statistics.median(our_times)
    return {"tree": name, "input_mb": tree_size(root) / 2**20, "zip_s": z, "ours_s": o, "speedup": z / o,
            "zip_mb": zip_size / 2**20, "ours_mb": our_size / 2**20, "size_delta_pct": 100 * (our_size - zip_size) / zip_size,
            "zip_rss_mb": max(zip_rss), "ours_rss_mb": max(our_rss),
            "zip_cpu_s": statistics.median(zip_cpu), "ours_cpu_s": statistics.median(our_cpu)}, our_out


def start_twin():
    ready = os.path.join(work, f"ready-{time.monotonic_ns()}.json")
    proc = subprocess.Popen([sys.executable, "twin/twin.py", "--ready-file", ready, "--parent-pid", str(os.getpid())],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        if os.path.exists(ready):
            return proc, json.load(open(ready))["endpoint"]
        time.sleep(0.05)
    raise SystemExit("the twin did not start")


def measure_upload(package):
    twin, endpoint = start_twin()
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="AKIDTWINEXAMPLE0001", AWS_SECRET_ACCESS_KEY="twin/Secret+Key/EXAMPLE0001",
               AWS_EC2_METADATA_DISABLED="true")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                      aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    cli_times, our_times, cli_rss, our_rss = [], [], [], []
    try:
        for i in range(RUNS):
            urllib.request.urlopen(urllib.request.Request(endpoint + "/_twin/reset", data=b"{}", method="POST",
                                                          headers={"Content-Type": "application/json"}))
            s3.create_bucket(Bucket="bench")
            t, r = run(["aws", "s3", "cp", package, "s3://bench/cli/package.zip", "--endpoint-url", endpoint, "--only-show-errors"], env=env)
            cli_times.append(t); cli_rss.append(r)
            t, r = run([bench_tool, "upload", package, "bench", "ours/package.zip"], env=env)
            our_times.append(t); our_rss.append(r)
            assert s3.head_object(Bucket="bench", Key="ours/package.zip")["ContentLength"] == os.path.getsize(package)
    finally:
        twin.terminate()
        twin.wait(10)
    c, o = statistics.median(cli_times), statistics.median(our_times)
    return {"package_mb": os.path.getsize(package) / 2**20, "aws_s3_cp_s": c, "ours_s": o, "speedup": c / o,
            "aws_rss_mb": max(cli_rss), "ours_rss_mb": max(our_rss)}


# Simulated network time per 8 MiB part for the second package-and-upload measure: 400 ms,
# with four parts in flight about 80 MB/s to S3. On loopback the twin receives every part
# with the CPU the packager also needs (2 cores), so the upload costs CPU, not waiting; a CI
# runner's upload to S3 in another building mostly waits, which the twin's latency fault models.
PART_LATENCY_MS = 400


def process_cpu(pid):
    """CPU seconds (user + system) a process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_package_upload(tree):
    """The deploy's package-and-upload half for a new key (parts sent while the zip is written)
    against packaging first, then uploading (what a deploy did before, and what `package` then
    `deploy --zip` does): lambda-shift-bench package-upload, both with the shipped code, on
    loopback and with PART_LATENCY_MS per part. Besides the wall times: how long each lasted
    past the package's last byte, and, on loopback, the least the overlapped run could take on
    these cores: the CPU it and the twin used, over the cores (never less than packaging alone)."""
    twin, endpoint = start_twin()
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="AKIDTWINEXAMPLE0001", AWS_SECRET_ACCESS_KEY="twin/Secret+Key/EXAMPLE0001")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                      aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    s3.create_bucket(Bucket="bench")
    cores = os.cpu_count() or 1
    rows = []
    try:
        for latency in (0, PART_LATENCY_MS):
            rules = [{"service": "s3", "operation": "UploadPart", "kind": "latency", "latencyMs": latency}] if latency else []
            control(endpoint, "/_twin/faults", {"rules": rules})
            times = {"overlapped": [], "sequential": []}
            packaged = {"overlapped": [], "sequential": []}
            floors = []
            for i in range(RUNS):
                for mode in ("sequential", "overlapped"):
                    key = f"{mode}/{latency}/{i}/package.zip"
                    cpu, out = [], []
                    twin_before = process_cpu(twin.pid)
                    t, _ = run([bench_tool, "package-upload", tree, "bench", key, mode], env=env, cpu=cpu, out=out)
                    twin_cpu = process_cpu(twin.pid) - twin_before
                    times[mode].append(t)
                    # "...; packaged in 1.594 s, then 0.981 s to the end of the upload"
                    packaged[mode].append(float(out[0].split("packaged in ")[1].split(" s")[0]))
                    if mode == "overlapped":
                        floors.append((cpu[0] + twin_cpu) / cores)
                    assert s3.head_object(Bucket="bench", Key=key)["ContentLength"] > 0
                    s3.delete_object(Bucket="bench", Key=key)  # the twin would keep every run's object
            o, q = statistics.median(times["overlapped"]), statistics.median(times["sequential"])
            alone = statistics.median(packaged["sequential"])
            rows.append({"latency_ms": latency, "overlapped_s": o, "sequential_s": q, "ratio": o / q,
                         "overlapped_tail_s": o - statistics.median(packaged["overlapped"]), "sequential_tail_s": q - alone,
                         "floor_ratio": max(alone, statistics.median(floors)) / q})
    finally:
        twin.terminate()
        twin.wait(10)
    return rows


def control(endpoint, path, body=None):
    data = json.dumps(body or {}).encode()
    request = urllib.request.Request(endpoint + path, data=data, method="POST", headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))


def measure_deploy(tree):
    """An all-at-once deploy of the same tree: lambda-shift against the aws CLI steps a user
    would script (zip, s3api put-object, update-function-code, wait function-updated-v2,
    publish-version, update-alias), five alternating runs on the same twin."""
    twin, endpoint = start_twin()
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="AKIDTWINEXAMPLE0001", AWS_SECRET_ACCESS_KEY="twin/Secret+Key/EXAMPLE0001",
               AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                      aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    s3.create_bucket(Bucket="bench")
    s3.put_bucket_versioning(Bucket="bench", VersioningConfiguration={"Status": "Enabled"})
    buffer_zip = os.path.join(work, "seed.zip")
    subprocess.run(["zip", "-qrX", "-6", buffer_zip, "."], cwd=tree, check=True)
    import base64
    zipped = base64.b64encode(open(buffer_zip, "rb").read()).decode()
    for name in ("bench-ours", "bench-cli"):
        control(endpoint, "/_twin/seed-function", {"name": name, "runtime": "python3.12", "handler": "index.handler", "zipBase64": zipped, "alias": "live"})
    control(endpoint, "/_twin/lambda", {"updatePolls": 1})
    script = os.path.join(work, "deploy-with-aws-cli.sh")
    with open(script, "w") as f:
        f.write("""set -euo pipefail
cd "$1"; rm -f "$2"; zip -qrX -6 "$2" .
version_id=$(aws s3api put-object --bucket bench --key cli/package.zip --body "$2" --query VersionId --output text)
aws lambda update-function-code --function-name bench-cli --s3-bucket bench --s3-key cli/package.zip --s3-object-version "$version_id" >/dev/null
aws lambda wait function-updated-v2 --function-name bench-cli
version=$(aws lambda publish-version --function-name bench-cli --query Version --output text)
aws lambda update-alias --function-name bench-cli --name live --function-version "$version" >/dev/null
""")
    ours_times, cli_times, ours_rss = [], [], []
    try:
        for i in range(5):
            with open(os.path.join(tree, "BUILD_ID"), "w") as marker:
                marker.write(f"run {i}\n")  # new code each run, so nothing is skipped
            t, _ = run(["bash", script, tree, os.path.join(work, "cli.zip")], env=env)
            cli_times.append(t)
            t, r = run([ours, "deploy", "--environment", "staging", "--function", "bench-ours", "--bucket", "bench", "--source", tree,
                        "--strategy", "AllAtOnce", "--key", "ours/{version}/package.zip"], env=env)
            ours_times.append(t); ours_rss.append(r)
    finally:
        twin.terminate()
        twin.wait(10)
    c, o = statistics.median(cli_times), statistics.median(ours_times)
    return {"aws_cli_s": c, "ours_s": o, "speedup": c / o, "ours_rss_mb": max(ours_rss)}


STARTUP_RUNS = 41


# What a user would otherwise script to judge the same two samples: SciPy's Mann-Whitney U and the
# Hodges-Lehmann shift as numpy's median of all pairwise differences (an n x m array).
REFERENCE_JUDGE = r'''
import sys, numpy, scipy.stats
n = int(sys.argv[1])
rng = numpy.random.default_rng(42)
stable = numpy.round(90 + rng.uniform(0, 20, n), 2)
new = numpy.round(93 + rng.uniform(0, 20, n), 2)
u = scipy.stats.mannwhitneyu(new, stable, alternative="greater", method="asymptotic")
shift = numpy.median(numpy.subtract.outer(new, stable))
print(u.statistic, u.pvalue, shift)
'''


def measure_judge(count=10_000):
    """The log-based judge over `count` REPORT records of each version: reading, parsing and
    judging (release build), against SciPy and numpy on the same number of samples."""
    ours_s, ours_rss, ref_s, ref_rss = [], [], [], []
    for _ in range(RUNS):
        s, rss = run([bench_tool, "judge", str(count)])
        ours_s.append(s)
        ours_rss.append(rss)
        s, rss = run([sys.executable, "-c", REFERENCE_JUDGE, str(count)])
        ref_s.append(s)
        ref_rss.append(rss)
    return {"count": count, "ours_s": statistics.median(ours_s), "ours_rss_mb": max(ours_rss),
            "ref_s": statistics.median(ref_s), "ref_rss_mb": max(ref_rss)}


def measure_startup():
    return startup.measure([ours, "--version"], runs=STARTUP_RUNS)


def main():
    try:
        botocore_copy = os.path.join(work, "botocore-tree")
        shutil.copytree(os.path.dirname(botocore.__file__), os.path.join(botocore_copy, "botocore"))
        generated = os.path.join(work, "generated-tree")
        generated_tree(generated)
        rows = []
        for name, root in (("botocore", botocore_copy), ("generated-200MB", generated)):
            row, out = measure_packaging(name, root)
            rows.append(row)
        print(f"\npackaging: lambda-shift package vs zip -qrX -6 ({os.cpu_count()} cores, median of {RUNS})")
        print(f"{'tree':<16} {'input MB':>9} {'zip -6 s':>9} {'ours s':>8} {'wall':>7} {'CPU':>7} {'zip MB':>8} {'ours MB':>8} {'size Δ':>7} {'zip RSS':>8} {'our RSS':>8}")
        for r in rows:
            print(f"{r['tree']:<16} {r['input_mb']:>9.1f} {r['zip_s']:>9.2f} {r['ours_s']:>8.2f} {r['ours_s'] / r['zip_s']:>6.2f}x "
                  f"{r['ours_cpu_s'] / r['zip_cpu_s']:>6.2f}x "
                  f"{r['zip_mb']:>8.1f} {r['ours_mb']:>8.1f} {r['size_delta_pct']:>+6.2f}% {r['zip_rss_mb']:>6.1f}MB {r['ours_rss_mb']:>6.1f}MB")
        print("(wall and CPU: lambda-shift's time as a share of zip's; lower is better)")
        deploy = measure_deploy(botocore_copy)
        print(f"\nall-at-once deploy of the botocore tree to the twin: lambda-shift vs the aws CLI script (median of 5, alternating)")
        print(f"aws CLI script {deploy['aws_cli_s']:.2f} s, lambda-shift {deploy['ours_s']:.2f} s ({deploy['ours_rss_mb']:.0f} MB RSS): "
              f"{deploy['ours_s'] / deploy['aws_cli_s']:.2f}x the script's time")
        start = measure_startup()
        print(f"\nstart-up: lambda-shift --version vs /usr/bin/true (median of {STARTUP_RUNS} each, alternating)")
        print(f"/usr/bin/true {start['true_ms']:.2f} ms, lambda-shift --version {start['command_ms']:.2f} ms: "
              f"{start['ratio']:.1f}x /usr/bin/true")
        print(f"\npackage and upload of the generated tree to the twin: overlapped (a deploy to a new key) vs packaging, then uploading (median of {RUNS}, alternating)")
        for r in measure_package_upload(generated):
            network = f"{r['latency_ms']} ms simulated network per 8 MiB part" if r["latency_ms"] else "loopback, the twin on the same 2 cores"
            print(f"{network:<48} packaging then upload {r['sequential_s']:.2f} s, overlapped {r['overlapped_s']:.2f} s: {r['ratio']:.2f}x")
            print(f"{'':<48} past the last byte: {r['sequential_tail_s']:.2f} s, overlapped {r['overlapped_tail_s']:.2f} s")
            if not r["latency_ms"]:
                print(f"{'':<48} the least these cores allow (our CPU and the twin's, over the cores): {r['floor_ratio']:.2f}x")
        judge = measure_judge()
        print(f"\nlog-based canary judge, {judge['count']} REPORT records of each version (median of {RUNS}): "
              f"lambda-shift-bench judge vs SciPy mannwhitneyu + numpy Hodges-Lehmann on the samples alone")
        print(f"SciPy/numpy {judge['ref_s']:.2f} s ({judge['ref_rss_mb']:.0f} MB RSS), lambda-shift {judge['ours_s']:.2f} s "
              f"({judge['ours_rss_mb']:.0f} MB RSS), reading and parsing included: {judge['ours_s'] / judge['ref_s']:.2f}x the time, "
              f"{judge['ours_rss_mb'] / judge['ref_rss_mb']:.2f}x the memory")
        up = measure_upload(out)
        print(f"\nupload of the generated tree's package ({up['package_mb']:.1f} MB) to the twin: lambda-shift vs aws s3 cp (median of {RUNS})")
        print(f"aws s3 cp {up['aws_s3_cp_s']:.2f} s ({up['aws_rss_mb']:.0f} MB RSS), lambda-shift {up['ours_s']:.2f} s "
              f"({up['ours_rss_mb']:.0f} MB RSS): {up['speedup']:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


main()
