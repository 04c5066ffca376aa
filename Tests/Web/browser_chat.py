#!/usr/bin/env python3
"""Drives SecureChat's web page in headless Chromium for the end-to-end tests.

The Swift test runs this as a subprocess and talks to it by lines: commands on stdin, results on stdout
(one line each, flushed). Besides the results it prints `CONSOLE <text>` for every browser console error and
page error (CSP violations show up there), so a reader should skip lines starting with `CONSOLE`.

    browser_chat.py --url https://localhost:PORT/ --ca ca.crt --name NAME --screenshot out.png [--chromium PATH]
                    [--cert client.crt --key client.key]   (then NAME is the certificate's CN, not typed)
                    [--password PASSWORD]                  (the answer to the password prompt)

After `LOGGED-IN <name>`, commands:
    expect-user <name>                 -> USER <name>
    users                              -> USERS <name>,<name>,… (the online list as shown)
    expect-message <kind> <substring>  -> MESSAGE <kind> scripts=<n> xss=<window.__xss> text=<textContent>
    type <text>                        -> TYPED
    screenshot                         -> SCREENSHOT <path>
    quit                               -> (exit 0)
`expect-message` consumes what it reports: each call reports the first matching message not reported before.
Exit codes: 0 done, 1 FAIL (one `FAIL <reason>` line), 3 SKIP (certutil missing).

The browser trusts the test CA for real: the CA goes into an NSS database in a throw-away HOME
($HOME/.pki/nssdb, where Chromium on Linux looks), no --ignore-certificate-errors.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

WAIT_MS = 30_000
LOGIN_WAIT_MS = 90_000


def say(line):
    print(line.replace("\n", " ").replace("\r", " "), flush=True)


def fail(reason, code=1):
    say("FAIL " + reason)
    sys.exit(code)


def make_nss_home(ca_path):
    """A temporary HOME whose NSS database trusts the test CA for TLS servers."""
    if shutil.which("certutil") is None:
        say("SKIP certutil not installed (libnss3-tools)")
        sys.exit(3)
    home = tempfile.mkdtemp(prefix="securechat-browser-")
    db = os.path.join(home, ".pki", "nssdb")
    os.makedirs(db)
    for args in (["-N", "--empty-password"],
                 ["-A", "-t", "C,,", "-n", "securechat-test-ca", "-i", ca_path]):
        run = subprocess.run(["certutil", "-d", "sql:" + db, *args], capture_output=True, text=True)
        if run.returncode != 0:
            shutil.rmtree(home, ignore_errors=True)
            fail("certutil %s: %s" % (args[0], (run.stderr or run.stdout).strip()))
    return home


# Runs in the page: the first `.msg` of the kind whose text holds the substring and that was not reported yet.
FIND_MESSAGE_JS = """([kind, needle]) => {
  const done = window.__browserChatReported || (window.__browserChatReported = new WeakSet());
  for (const m of document.querySelectorAll('#log .msg')) {
    if (m.dataset.kind !== kind || done.has(m) || !m.textContent.includes(needle)) continue;
    done.add(m);
    return {
      text: m.textContent,
      scripts: document.querySelectorAll('#log script').length,
      xss: String(window.__xss),
    };
  }
  return null;
}"""

FIND_USER_JS = """(name) => [...document.querySelectorAll('#users li')].some((li) => li.textContent === name)"""


def last_messages(page, count=5):
    """The last few log lines as `kind|text`, to tell why an expectation failed."""
    try:
        rows = page.eval_on_selector_all(
            "#log .msg", "(els, n) => els.slice(-n).map((e) => e.dataset.kind + '|' + e.textContent)", count)
    except Exception:  # the page may be gone
        return "(unavailable)"
    return " / ".join(rows) or "(none)"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--ca", help="CA certificate the browser is to trust (omit for a plain-http page)")
    parser.add_argument("--name", required=True)
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--password", help="answer the password prompt with this")
    parser.add_argument("--cert", help="a client certificate (PEM) to present; the name is then not typed")
    parser.add_argument("--key", help="its key (PEM)")
    args = parser.parse_args()

    from playwright.sync_api import Error as PlaywrightError, sync_playwright

    home = make_nss_home(args.ca) if args.ca else tempfile.mkdtemp(prefix="securechat-browser-")
    env = dict(os.environ, HOME=home)
    if args.cert:
        # Playwright presents client certificates through a TLS proxy of its own (Node), which checks the server
        # against this CA.
        os.environ["NODE_EXTRA_CA_CERTS"] = args.ca
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True, env=env)
            try:
                run(browser, args, PlaywrightError)
            finally:
                browser.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(browser, args, PlaywrightError):
    if args.cert:
        origin = args.url.rstrip("/")
        context = browser.new_context(
            client_certificates=[{"origin": origin, "certPath": args.cert, "keyPath": args.key}])
        page = context.new_page()
    else:
        page = browser.new_page()
    def console(msg):
        if msg.type == "error":
            url = (msg.location or {}).get("url") or ""
            say("CONSOLE " + msg.text + (" (" + url + ")" if url else ""))

    page.on("console", console)
    page.on("pageerror", lambda err: say("CONSOLE pageerror: %s" % err))

    try:
        # Generous: chromium starts beside the rest of the test suite, on two cores.
        response = page.goto(args.url, wait_until="load", timeout=LOGIN_WAIT_MS)
    except PlaywrightError as error:
        fail("could not open %s: %s" % (args.url, str(error).splitlines()[0]))
    if response is None or not response.ok:
        fail("page answered %s" % (response.status if response else "nothing"))
    csp = response.header_value("content-security-policy") or ""
    if "default-src 'none'" not in csp:
        fail("no CSP")

    try:
        if not args.cert:
            page.fill("#name", args.name)
        page.click("#connect")
        if args.password:
            page.wait_for_selector("#password-form:not([hidden])", timeout=LOGIN_WAIT_MS)
            page.fill("#password", args.password)
            page.click("#login")
        page.wait_for_function("(name) => document.querySelector('#me').textContent === name",
                               arg=args.name, timeout=LOGIN_WAIT_MS)
    except PlaywrightError as error:
        status = page.text_content("#status") or ""
        fail("login as %s: status=%r (%s)" % (args.name, status, str(error).splitlines()[0]))
    say("LOGGED-IN " + args.name)

    for raw in sys.stdin:
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        command, _, rest = line.partition(" ")
        try:
            if command == "expect-user":
                page.wait_for_function(FIND_USER_JS, arg=rest, timeout=WAIT_MS)
                say("USER " + rest)
            elif command == "expect-message":
                kind, _, needle = rest.partition(" ")
                found = page.wait_for_function(FIND_MESSAGE_JS, arg=[kind, needle], timeout=WAIT_MS).json_value()
                say("MESSAGE %s scripts=%d xss=%s text=%s" % (kind, found["scripts"], found["xss"], found["text"]))
            elif command == "users":
                names = page.eval_on_selector_all("#users li", "items => items.map(item => item.textContent)")
                say("USERS " + ",".join(names))
            elif command == "type":
                page.fill("#input", rest)
                page.press("#input", "Enter")
                say("TYPED")
            elif command == "screenshot":
                page.screenshot(path=args.screenshot, full_page=True)
                say("SCREENSHOT " + args.screenshot)
            elif command == "quit":
                return
            else:
                fail("unknown command %r" % line)
        except PlaywrightError as error:
            fail("%s: %s; last messages: %s" % (line, str(error).splitlines()[0], last_messages(page)))
    fail("stdin closed without quit")


if __name__ == "__main__":
    main()
