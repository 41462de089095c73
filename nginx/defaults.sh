#!/usr/bin/env bash
# Sourced by the image's scripts: every setting of defaults.env that is unset or empty takes
# its default. Compose passes each setting as empty when the user set none, so the image's
# defaults cannot be Dockerfile ENV lines (an empty value would hide them).
# shellcheck shell=bash

load_defaults() {
	local file="${1:?usage: load_defaults FILE}" name value
	while IFS='=' read -r name value; do
		[[ "$name" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
		if [[ -z "${!name:-}" ]]; then export "$name=$value"; fi
	done <"$file"
}
