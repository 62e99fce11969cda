#!/usr/bin/env bash
# Install the Debian packages the archive needs, only those missing.
# Arguments are commands to look for, or command=package where they differ.
#   ffmpeg     media probing and conversion (imageio-ffmpeg is the fallback)
#   espeak-ng  synthesised speech for the demo and the tests
#   chromium   headless browser for the browser tests (Playwright cannot download one here)
#   npm        fetches the IIIF viewer a browser test loads (once, into ~/.cache)
set -euo pipefail
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(ffmpeg espeak-ng chromium npm)
missing=()
packages=()
for entry in "${want[@]}"; do
  tool=${entry%%=*}
  package=${entry#*=}
  if ! command -v "$tool" >/dev/null 2>&1 && ! [ -x "$tool" ]; then
    missing+=("$tool")
    packages+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
[[ " ${missing[*]} " == *" chromium "* ]] && packages+=(fonts-dejavu-core fonts-liberation)
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "Missing: ${missing[*]}. Install them with: apt-get install ${packages[*]}" >&2
    exit 1
  fi
fi
echo "Installing Debian packages: ${packages[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
