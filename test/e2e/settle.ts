/**
 * Waits until a Chromium just launched has finished its own start. Chromium 156, headless, loads its omnibox popup
 * (a WebUI page, chrome://omnibox-popup.top-chrome) as it starts: about 1.6 s of CPU over the 1.2 s after
 * `launchPersistentContext` returns, most of two cores. A page opened at once shares the machine with that (in a
 * trace of a first visit, the popup's renderer was busy 2.5–3.2 s of the visit's first 4 s), where a visitor's browser
 * has been running since before they typed the address. The benchmarks that time a first visit wait for this
 * (bench/first-visit.ts); the tests need not.
 *
 * Linux only (/proc); elsewhere it waits a fixed time.
 */
import { readdirSync, readFileSync } from 'node:fs';

const WINDOW_MS = 250;
/** CPU time of all the browser's processes within a window that counts as idle (clock ticks are 10 ms). */
const IDLE_CPU_MS = 20;
const IDLE_WINDOWS = 2;
const LONGEST_MS = 15_000;
const FALLBACK_MS = 3_000;

interface Proc {
  pid: number;
  ppid: number;
  cpuMs: number;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The fields after the command's name, which may hold spaces and parentheses: "pid (comm) state ppid …".
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime (fields 14 and 15 of stat) in clock ticks of 10 ms (USER_HZ = 100).
      out.push({ pid: Number(name), ppid: Number(f[1]), cpuMs: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {
      // The process ended while being read.
    }
  }
  return out;
}

/** The pid of the browser process started with this profile (its command line names it), or null. */
function browserPid(profile: string): number | null {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (args.includes(`--user-data-dir=${profile}`) && !args.some((a) => a.startsWith('--type='))) return Number(name);
    } catch {
      // Ended, or not ours to read.
    }
  }
  return null;
}

/** CPU time so far of the process `root` and all its descendants (renderers, GPU, utility processes). */
function treeCpuMs(root: number): number {
  const all = processes();
  const children = new Map<number, Proc[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  let sum = 0;
  const stack = all.filter((p) => p.pid === root);
  while (stack.length) {
    const p = stack.pop()!;
    sum += p.cpuMs;
    stack.push(...(children.get(p.pid) ?? []));
  }
  return sum;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once the Chromium using `profile` has used at most IDLE_CPU_MS in each of IDLE_WINDOWS windows of
 * WINDOW_MS in a row (or after LONGEST_MS); returns how long it waited.
 */
export async function waitUntilBrowserIdle(profile: string): Promise<number> {
  const started = Date.now();
  const pid = process.platform === 'linux' ? browserPid(profile) : null;
  if (pid === null) {
    await sleep(FALLBACK_MS);
    return Date.now() - started;
  }
  let before = treeCpuMs(pid);
  for (let quiet = 0; quiet < IDLE_WINDOWS && Date.now() - started < LONGEST_MS; ) {
    await sleep(WINDOW_MS);
    const now = treeCpuMs(pid);
    quiet = now - before <= IDLE_CPU_MS ? quiet + 1 : 0;
    before = now;
  }
  return Date.now() - started;
}
