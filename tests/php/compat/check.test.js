// The PHP compatibility check: what it rejects for a plugin that says "Requires PHP: 7.4".
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const test = require("node:test");

const { checkPlugin, checkSource } = require("./check.js");

const check = (code, minimum = "7.4") => checkSource(`<?php\n${code}\n`, "x.php", minimum);

test("PHP 7.4 code passes, including a one-line attribute (a comment before PHP 8)", () => {
  const code = [
    "final class A {",
    "  private ?int $count = null;",
    "  #[\\ReturnTypeWillChange]",
    "  public function double( array $b ): array {",
    "    $this->count ??= 1_000;",
    "    return array_map( fn( $x ) => $x * 2, [ ...$b, 1 ] );",
    "  }",
    "}",
    "f( $a, $b, );",
  ].join("\n");
  assert.deepEqual(check(code), []);
});

// Constructs from PHP 8.0 and later, each with the finding expected against 7.4.
const newer = {
  "$a = $b?->c;": "x.php:2: not PHP 7.4 syntax: Parse Error : syntax error, unexpected '->' (T_OBJECT_OPERATOR)",
  "$a = match ( $b ) { 1 => 'x', default => 'y' };": "x.php:2: not PHP 7.4 syntax: Match statements are not allowed before PHP 8",
  "f( a: 1 );": "x.php:2: not PHP 7.4 syntax: PHP 8+ is required to use named arguments",
  "$a = $b ?? throw new Exception();": "x.php:2: not PHP 7.4 syntax: PHP 8+ is required to use throw as an expression",
  "function f( $a, $b, ) {}": "x.php:2: not PHP 7.4 syntax: Parse Error : syntax error, unexpected ')', expecting T_VARIABLE",
  "try { f(); } catch ( Exception ) {}": "x.php:2: not PHP 7.4 syntax: Parse Error : syntax error, unexpected ')'",
  "class A { public function __construct( private int $x ) {} }": "x.php:2: constructor property promotion: PHP 8.0 and later only",
  "function f( int|string $a ) {}": "x.php:2: union types: PHP 8.0 and later only",
  "class A { public function f(): static { return $this; } }": "x.php:2: static as a return type: PHP 8.0 and later only",
  "function f( mixed $a ) {}": "x.php:2: the mixed type: PHP 8.0 and later only",
  "$c = $obj::class;": "x.php:2: ::class on an object: PHP 8.0 and later only",
  "class A { public readonly int $x; }": "x.php:2: readonly properties: PHP 8.1 and later only",
  "function f( $a = new Foo() ) {}": "x.php:2: new in initializers: PHP 8.1 and later only",
  "function f(): never { exit; }": "x.php:2: the never type: PHP 8.1 and later only",
  "$a = 0o17;": "x.php:2: explicit octal 0o literals: PHP 8.1 and later only",
  "readonly class A {}": "x.php:2: readonly classes: PHP 8.2 and later only",
};

for (const [code, finding] of Object.entries(newer)) {
  test(`rejected for 7.4: ${code}`, () => {
    assert.ok(check(code).includes(finding), `${JSON.stringify(check(code))}`);
  });
}

test("the enum of PHP 8.1 is refused by the 7.4 parse", () => {
  assert.match(check("enum Suit { case Hearts; }")[0], /^x\.php:2: not PHP 7\.4 syntax: /);
});

test("the declared minimum decides: 8.0 takes promotion and match, not readonly", () => {
  const code = [
    "class A {",
    "  public function __construct( private int $x ) {}",
    "  public function f() { return match ( $this->x ) { default => 1 }; }",
    "  public readonly int $y;",
    "}",
  ].join("\n");
  assert.deepEqual(check(code, "8.0"), ["x.php:5: readonly properties: PHP 8.1 and later only"]);
});

function plugin(header, readme, body = "") {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "php-compat-"));
  fs.mkdirSync(path.join(folder, "includes"));
  fs.writeFileSync(path.join(folder, "main.php"), `<?php\n/**\n * Plugin Name: T\n${header}\n */\n`);
  fs.writeFileSync(path.join(folder, "readme.txt"), `=== T ===\n${readme}\n`);
  fs.writeFileSync(path.join(folder, "includes", "a.php"), `<?php\n${body}\n`);
  return folder;
}

test("a plugin folder is checked against its header's Requires PHP, every file", () => {
  const folder = plugin(" * Requires PHP: 7.4", "Requires PHP: 7.4", "$a = $b?->c;");
  const { minimum, files, findings } = checkPlugin(folder);
  assert.equal(minimum, "7.4");
  assert.equal(files.length, 2);
  assert.equal(findings.length, 1);
  assert.match(findings[0], /includes[/\\]a\.php:2: not PHP 7\.4 syntax: /);
});

test("readme.txt must state the same minimum as the header", () => {
  const folder = plugin(" * Requires PHP: 7.4", "Requires PHP: 8.0");
  assert.deepEqual(
    checkPlugin(folder).findings,
    [`${path.join(folder, "readme.txt")}: Requires PHP 8.0, the plugin header says 7.4`],
  );
});

test("a plugin without Requires PHP is refused", () => {
  const folder = plugin(" * Version: 1.0", "");
  assert.match(checkPlugin(folder).findings[0], /no "Requires PHP" in the header$/);
});
