"""Telling people from link scanners and prefetchers, for opens and clicks.

Security gateways (Proofpoint, Mimecast, Microsoft Safe Links …) fetch every link of an email
on arrival, and link-preview bots fetch what is pasted into chats. Their opens and clicks are
recorded with human=False and the reason, so reports count people only. Heuristics, in order:
a HEAD request (browsers follow links with GET); a known user agent or none at all; a fetch
within a few seconds of sending, before a person could have read the email.

Gmail's image proxy (GoogleImageProxy) fetches the pixel when a person opens the email, so it
counts as human. Apple Mail Privacy Protection fetches with an ordinary user agent from Apple's
proxies: only the timing rule catches its prefetch.
"""
import os
import re
from datetime import timedelta

SCANNER_AGENTS = re.compile("|".join((
    r"bot\b", r"bot/", r"crawler", r"spider", r"preview", r"scanner", r"headless", r"phantomjs", r"slurp",
    r"curl/", r"wget/", r"python", r"java/", r"go-http-client", r"okhttp", r"libwww", r"httpclient",
    r"axios/", r"node-fetch", r"aiohttp", r"scrapy", r"facebookexternalhit", r"whatsapp", r"barracuda",
    r"mimecast", r"proofpoint", r"ppops", r"symantec", r"messagelabs", r"trend ?micro", r"forcepoint",
    r"websense", r"sophos", r"fireeye", r"ironport", r"cisco", r"zscaler", r"safelinks", r"urldefense",
    r"bitdefender", r"kaspersky", r"fortinet", r"fortiguard", r"checkpoint", r"check point", r"paloalto",
    r"appriver", r"existence discovery", r"protocol discovery", r"vade", r"cloudmark", r"hornetsecurity",
)), re.IGNORECASE)
DEFAULT_SECONDS = 10  # CHAPAR_EMAIL_SCANNER_SECONDS in the environment overrides it


def scanner_seconds():
    """CHAPAR_EMAIL_SCANNER_SECONDS (environment): a fetch this soon after sending is no person (10)."""
    try:
        return max(0, int(os.environ.get("CHAPAR_EMAIL_SCANNER_SECONDS", DEFAULT_SECONDS)))
    except ValueError:  # a typo in the setting must not break every pixel and link
        return DEFAULT_SECONDS


def not_human_reason(user_agent, method, sent_at, now, seconds=DEFAULT_SECONDS):
    """Why this fetch is not a person ("head_request", "user_agent", "too_soon"), or "" if it may be."""
    if method == "HEAD":
        return "head_request"
    agent = (user_agent or "").strip()
    if not agent or SCANNER_AGENTS.search(agent):
        return "user_agent"
    if sent_at is not None and now - sent_at < timedelta(seconds=seconds):
        return "too_soon"
    return ""
