"""Measures a report page in the browser for tests/browser/check-pages.sh.

inject PAGE COPY        writes COPY: PAGE with a script that, once every
                        image has loaded, writes the page's figures into
                        the DOM (which chromium --dump-dom prints)
check NAME WIDTH DOM    fails (exit 1) unless the dumped DOM shows every
                        image loaded, no sideways scrolling and a verdict
height DOM              the page's full height in pixels
"""
import html
import json
import re
import sys

PROBE = """<script>
window.addEventListener("load", function () {
  var root = document.documentElement;
  var images = Array.from(document.images);
  var figures = {
    images: images.length,
    broken: images.filter(function (i) { return !i.complete || i.naturalWidth === 0; })
                  .map(function (i) { return i.getAttribute("src"); }),
    scroll_width: root.scrollWidth,
    client_width: root.clientWidth,
    height: root.scrollHeight,
    verdict: (document.querySelector("#verdict .headline") || {}).textContent || ""
  };
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(figures);
  document.body.appendChild(out);
});
</script>
"""


def figures(dom_file):
    with open(dom_file, encoding="utf-8") as f:
        m = re.search(r'<pre id="probe">(.*?)</pre>', f.read(), re.S)
    return json.loads(html.unescape(m.group(1))) if m else None


def main(args):
    if args[0] == "inject":
        with open(args[1], encoding="utf-8") as f:
            page = f.read()
        with open(args[2], "w", encoding="utf-8") as f:
            f.write(page.replace("</body>", PROBE + "</body>"))
        return 0
    if args[0] == "height":
        f = figures(args[1])
        print(f["height"] if f else 4000)
        return 0
    name, width, dom = args[1], args[2], args[3]
    f = figures(dom)
    if f is None:
        print(f"{name} at {width} px: the page did not load (no probe output)", file=sys.stderr)
        return 1
    problems = []
    if f["images"] == 0:
        problems.append("no image on the page")
    if f["broken"]:
        problems.append(f"images that did not load: {f['broken']}")
    if f["scroll_width"] > f["client_width"]:
        problems.append(f"scrolls sideways: {f['scroll_width']} px of content in {f['client_width']} px")
    if not f["verdict"].strip():
        problems.append("no verdict")
    if problems:
        print(f"{name} at {width} px: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"{name} at {width} px: {f['images']} images loaded, {f['scroll_width']} px wide, "
          f"{f['height']} px tall; verdict: {f['verdict'].strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
