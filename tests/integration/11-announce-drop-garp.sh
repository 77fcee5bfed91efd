#!/bin/bash
# The swap again, behind a router that drops gratuitous ARP (drop_gratuitous_arp=1):
# only the directed request can repair its cache.
exec bash "$(dirname "$0")/10-announce-swap.sh" --drop-garp
