"""The URLs a device on the same network uses when the mock listens on every interface (``--host 0.0.0.0``).

The addresses come from this machine's own interfaces (Linux: one ioctl per interface; macOS and
BSD: ``ifconfig``'s listing). Nothing is sent to any other host (no DNS, no "connect to 8.8.8.8").
"""

from __future__ import annotations

import ipaddress
import re
import socket
import struct
import subprocess
import sys

WILDCARDS = ("0.0.0.0", "", "::")
_SIOCGIFADDR = 0x8915          # Linux: an interface's IPv4 address


def interface_addresses() -> list[tuple[str, str]]:
    """(interface, IPv4 address) for each interface with an address, loopback excluded."""
    found = _linux() if sys.platform.startswith("linux") else _ifconfig()
    seen, out = set(), []
    for name, addr in found:
        if addr not in seen and not ipaddress.ip_address(addr).is_loopback:
            seen.add(addr)
            out.append((name, addr))
    return out


def _linux() -> list[tuple[str, str]]:
    import fcntl

    out = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:    # never sends: only asks the kernel
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(s.fileno(), _SIOCGIFADDR, struct.pack("256s", name[:15].encode()))
            except OSError:
                continue                                               # down, or no IPv4 address
            out.append((name, socket.inet_ntoa(packed[20:24])))
    return out


def _ifconfig() -> list[tuple[str, str]]:
    try:
        text = subprocess.run(["ifconfig"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    out, name = [], "?"
    for line in text.splitlines():
        head = re.match(r"^(\S+?):? ", line)
        if head:
            name = head.group(1)
        m = re.search(r"\binet (?:addr:)?(\d+\.\d+\.\d+\.\d+)", line)
        if m:
            out.append((name, m.group(1)))
    return out


def browsable(host: str) -> str:
    """The host to put in a URL for this machine: loopback for a wildcard bind, IPv6 in brackets."""
    if host in WILDCARDS:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def lines(host: str, port: int) -> list[str]:
    """Banner lines: the URLs other devices on the network use (only for a wildcard bind)."""
    if host not in WILDCARDS:
        return []
    found = interface_addresses()
    if not found:
        return ["  On this network: no IPv4 interface found besides loopback"]
    width = max(len(a) for _, a in found) + len(f"http://:{port}")
    return [f"  On this network: {f'http://{addr}:{port}':<{width}}  ({name})" for name, addr in found]
