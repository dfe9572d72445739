#!/usr/bin/env python3
"""set_link_ioctl.py IFACE SPEED full|half on|off - set a port's link through
the SIOCETHTOOL ioctl (ETHTOOL_GLINKSETTINGS, then ETHTOOL_SLINKSETTINGS),
the way ethtool did before netlink.  ethtool's netlink request is skipped by
the kernel when it changes nothing, so this is how a test makes the driver
set up again the link the port already has.  Exit 0, or 1 with the error."""
import ctypes
import fcntl
import socket
import struct
import sys

SIOCETHTOOL = 0x8946
GLINK, SLINK = 0x4C, 0x4D
# struct ethtool_link_settings (linux/ethtool.h): cmd, speed, 12 one-byte
# fields (duplex, port, phy_address, autoneg, mdio_support, eth_tp_mdix,
# eth_tp_mdix_ctrl, link_mode_masks_nwords (signed), transceiver,
# master_slave_cfg, master_slave_state, rate_matching), reserved[7], then
# three masks of nwords u32 each.
HEAD = struct.Struct("<II8B4B7I")


def call(sock, name, buf):
    ifr = struct.pack("16sQ16x", name.encode(), ctypes.addressof(buf))
    fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifr)


def main():
    if len(sys.argv) != 5 or "--help" in sys.argv:
        print(__doc__)
        return 0 if "--help" in sys.argv else 2
    name, speed = sys.argv[1], int(sys.argv[2])
    duplex = {"half": 0, "full": 1}[sys.argv[3]]
    autoneg = {"off": 0, "on": 1}[sys.argv[4]]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # handshake: nwords 0 asks the kernel how many words a mask has
    buf = ctypes.create_string_buffer(HEAD.size + 3 * 4 * 127)
    ctypes.memmove(buf, HEAD.pack(GLINK, *([0] * 20)), HEAD.size)
    try:
        call(sock, name, buf)
        f = list(HEAD.unpack_from(buf.raw))
        nwords = -struct.unpack("b", bytes([f[9]]))[0]
        f[9] = nwords
        ctypes.memmove(buf, HEAD.pack(*f), HEAD.size)
        call(sock, name, buf)
        f = list(HEAD.unpack_from(buf.raw))
        f[0], f[1], f[2], f[5] = SLINK, speed, duplex, autoneg
        ctypes.memmove(buf, HEAD.pack(*f), HEAD.size)
        call(sock, name, buf)
    except OSError as e:
        print(f"set_link_ioctl: {name}: {e.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
