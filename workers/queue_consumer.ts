// The consumer of notebook 06's queue between processes: it reads lines
// "item N" from its stdin until the stdin closes, then prints one JSON line
// saying how many items it read and the sum of their numbers.
import { readLines } from "../lib/util/lines.ts";

let items = 0;
let sum = 0;
for await (const line of readLines(Deno.stdin.readable)) {
  items++;
  sum += Number(line.slice("item ".length));
}
console.log(JSON.stringify({ items, sum }));
