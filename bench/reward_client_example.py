"""A client of Arbor's reward protocol (docs/REWARD_SERVER.md): documentation, not part of Arbor or its tests.

Start a server (`arbor reward-serve --reward shapes --port 5055`), then: python3 bench/reward_client_example.py
Needs Pillow (Debian: python3-pil); the HTTP part is the standard library's.
"""
import base64, io, json, sys, urllib.error, urllib.request
from PIL import Image, ImageDraw

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5055"

def encode(image, fmt):  # one image -> base64 text of a PNG or JPEG file
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return base64.b64encode(buf.getvalue()).decode("ascii")

with urllib.request.urlopen(URL + "/health", timeout=10) as r:  # {"status": "ok", "reward": "<name>"}
    print("health:", json.load(r))

img = Image.new("RGB", (32, 32), "white")
ImageDraw.Draw(img).ellipse((8, 8, 23, 23), fill=(220, 40, 40))
body = json.dumps({"images": [encode(img, "PNG"), encode(img, "JPEG")],
                   "prompts": ["a red circle", "a blue square"]}).encode()
request = urllib.request.Request(URL + "/score", data=body, headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=60) as r:
        answer = json.load(r)  # {"scores": [...], "components": {"name": [...]}}
    print("scores:", answer["scores"], "components:", answer.get("components", {}))
except urllib.error.HTTPError as e:  # 4xx/5xx: the body is {"error": "..."}
    print(f"HTTP {e.code}:", json.load(e)["error"], file=sys.stderr)
    sys.exit(1)
