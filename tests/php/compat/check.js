#!/usr/bin/env node
/**
 * Rejects PHP syntax newer than a WordPress plugin's declared minimum ("Requires PHP" in its
 * header): the machines run PHP 8.2 only, so `php -l` there cannot see it.
 *
 * Two passes per file, with the npm package php-parser:
 * 1. a parse with `parser.version` set to the minimum. That option makes the parser refuse
 *    what it gates by version (match, nullsafe ?->, named arguments, throw as an expression,
 *    a trailing comma in parameter and closure-use lists, catch without a variable, enums,
 *    first-class callables, intersection and DNF types, multi-line attributes, …);
 * 2. a parse at the newest version it knows, walking the tree for what php-parser 3.7 accepts
 *    whatever the version (checked one by one): promoted constructor parameters, union types,
 *    static/mixed/never/null/false/true as types, readonly properties and classes, `new` in
 *    initializers, `$object::class`, 0o octal literals.
 *
 * Usage: node check.js <plugin folder>   (exit 1 and one line per finding when it fails)
 */
"use strict";

const fs = require("fs");
const path = require("path");
const Engine = require("php-parser");

const NEWEST = "8.4";

/** [minimum version as 800, what] for a node, or null when any PHP 7 reads it. */
function needs(node) {
  switch (node.kind) {
    case "parameter":
      if (node.flags) return [800, "constructor property promotion"];
      if (node.readonly) return [801, "readonly properties"];
      if (node.value && node.value.kind === "new") return [801, "new in initializers"];
      return null;
    case "property":
      if (node.readonly) return [801, "readonly properties"];
      if (node.value && node.value.kind === "new") return [801, "new in initializers"];
      return null;
    case "class":
      return node.isReadonly ? [802, "readonly classes"] : null;
    case "uniontype":
      if (node.types.some((type) => type.kind === "intersectiontype")) {
        return [802, "DNF types"];
      }
      return [800, "union types"];
    case "intersectiontype":
      return [801, "intersection types"];
    case "typereference":
      return typeNeeds(node.name.toLowerCase());
    case "staticlookup":
      if (
        node.offset.kind === "identifier" &&
        node.offset.name.toLowerCase() === "class" &&
        !["name", "selfreference", "parentreference", "staticreference"].includes(node.what.kind)
      ) {
        return [800, "::class on an object"];
      }
      return null;
    case "number":
      return /^0o/i.test(node.value) ? [801, "explicit octal 0o literals"] : null;
    default:
      return null;
  }
}

function typeNeeds(name) {
  return (
    {
      static: [800, "static as a return type"],
      mixed: [800, "the mixed type"],
      never: [801, "the never type"],
      null: [802, "null as a standalone type"],
      false: [802, "false as a standalone type"],
      true: [802, "the true type"],
    }[name] || null
  );
}

function walk(node, visit) {
  if (Array.isArray(node)) {
    node.forEach((child) => walk(child, visit));
    return;
  }
  if (!node || typeof node !== "object") return;
  if (typeof node.kind === "string") visit(node);
  for (const [key, value] of Object.entries(node)) {
    if (key !== "loc" && key !== "leadingComments" && key !== "trailingComments") {
      walk(value, visit);
    }
  }
}

function asNumber(version) {
  const [major, minor] = version.split(".").map((part) => parseInt(part, 10));
  return major * 100 + minor;
}

function asText(number) {
  return `${Math.floor(number / 100)}.${number % 100}`;
}

function engine(version) {
  return new Engine({
    parser: { version, extractDoc: false, suppressErrors: false },
    ast: { withPositions: true },
  });
}

/** Findings ("file:line: …") for one file's source, against a minimum such as "7.4". */
function checkSource(source, file, minimum) {
  const findings = [];
  try {
    engine(minimum).parseCode(source, file);
  } catch (error) {
    const line = error.lineNumber || "?";
    const reason = error.message.replace(/ on line \d+$/, "");
    findings.push(`${file}:${line}: not PHP ${minimum} syntax: ${reason}`);
  }
  let tree;
  try {
    tree = engine(NEWEST).parseCode(source, file);
  } catch (error) {
    if (!findings.length) findings.push(`${file}:${error.lineNumber || "?"}: ${error.message}`);
    return findings;
  }
  const floor = asNumber(minimum);
  walk(tree, (node) => {
    const need = needs(node);
    if (need && need[0] > floor) {
      const line = node.loc ? node.loc.start.line : "?";
      findings.push(`${file}:${line}: ${need[1]}: PHP ${asText(need[0])} and later only`);
    }
  });
  return findings;
}

/** The value of a "Requires PHP" line, or null. */
function requiresPhp(text) {
  const match = /^[\s*#@]*Requires PHP:\s*([0-9]+\.[0-9]+)/im.exec(text);
  return match ? match[1] : null;
}

function phpFiles(folder) {
  return fs
    .readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) return phpFiles(full);
      return entry.name.endsWith(".php") ? [full] : [];
    })
    .sort();
}

/** { minimum, files, findings } for a plugin folder. */
function checkPlugin(folder) {
  const files = phpFiles(folder);
  const main = files.find((file) => /^[\s*]*Plugin Name:/im.test(fs.readFileSync(file, "utf8")));
  if (!main) return { minimum: null, files, findings: [`${folder}: no plugin header found`] };
  const minimum = requiresPhp(fs.readFileSync(main, "utf8"));
  if (!minimum) return { minimum, files, findings: [`${main}: no "Requires PHP" in the header`] };
  const findings = [];
  const readme = path.join(folder, "readme.txt");
  if (fs.existsSync(readme)) {
    const stated = requiresPhp(fs.readFileSync(readme, "utf8"));
    if (stated !== minimum) {
      findings.push(`${readme}: Requires PHP ${stated}, the plugin header says ${minimum}`);
    }
  }
  for (const file of files) {
    findings.push(...checkSource(fs.readFileSync(file, "utf8"), file, minimum));
  }
  return { minimum, files, findings };
}

module.exports = { checkSource, checkPlugin, requiresPhp };

if (require.main === module) {
  const folder = process.argv[2];
  if (!folder) {
    console.error("usage: node check.js <plugin folder>");
    process.exit(2);
  }
  const { minimum, files, findings } = checkPlugin(folder);
  if (findings.length) {
    findings.forEach((finding) => console.error(finding));
    process.exit(1);
  }
  console.log(`php-compat: ${files.length} files use no syntax newer than PHP ${minimum}`);
}
