"""Serving each plugin's static/ folder at /plugins/<name>/static/<path>."""
from flask import Blueprint, abort, send_from_directory

from .plugins import plugin_dirs


def plugin_static_blueprint():
    blueprint = Blueprint("plugin_static", __name__)

    @blueprint.route("/plugins/<name>/static/<path:filename>")
    def serve(name, filename):
        folders = dict(plugin_dirs("static"))
        if name not in folders:
            abort(404)
        # send_from_directory refuses paths that escape the folder.
        return send_from_directory(folders[name], filename, max_age=3600)

    return blueprint
