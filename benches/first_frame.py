#!/usr/bin/env python3
"""Time to first frame: spawn the console in a pty (200x50) and time until the mode
badge (first frame) and until a Region verdict (first data) appear."""
import os, pty, sys, time, select, struct, fcntl, termios, signal
argv = sys.argv[1:]
t0 = time.monotonic()
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
buf = b""; first = data = None
while time.monotonic() - t0 < 15 and data is None:
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try: buf += os.read(fd, 65536)
        except OSError: break
        now = time.monotonic() - t0
        if first is None and b"SIMULATED" in buf: first = now
        if data is None and b"healthy" in buf: data = now
os.kill(pid, signal.SIGTERM); os.waitpid(pid, 0)
print(f"first frame: {first*1000:.1f} ms" if first else "no frame", f"| first data: {data*1000:.1f} ms" if data else "| no data")
