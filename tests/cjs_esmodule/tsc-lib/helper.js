"use strict";
exports.up = (s) => String(s).toUpperCase();
