// Registers npm packages by value (a utility, a date, an id and a schema library) and prints
// a base64 pickle of closures that use several functions of each: the loading side runs
// them without the packages installed.
import { camelCase, chunk, uniq } from "lodash-es";
import { addDays, differenceInCalendarDays, formatISO, isWeekend } from "date-fns";
import { customAlphabet, nanoid } from "nanoid";
import { email, number, object, pipe, safeParse, string } from "valibot";
import { dumps, registerPickleByValue } from "../../mod.ts";

for (const pkg of ["lodash-es", "date-fns", "nanoid", "valibot"]) registerPickleByValue(pkg);

const value = {
  lodash: () => [chunk([1, 2, 3, 4, 5], 2), uniq([1, 1, 2, 3, 3]), camelCase("hello big world")],
  date: () => [
    formatISO(addDays(new Date(2020, 0, 30), 3), { representation: "date" }),
    differenceInCalendarDays(new Date(2020, 5, 1), new Date(2020, 0, 1)),
    isWeekend(new Date(2020, 0, 4)),
  ],
  id: () => {
    const short = customAlphabet("ab", 8)();
    return [nanoid().length, short.length, /^[ab]+$/.test(short), nanoid() !== nanoid()];
  },
  schema: () => {
    const person = object({ name: string(), age: number(), mail: pipe(string(), email()) });
    return [
      safeParse(person, { name: "Ada", age: 36, mail: "ada@example.com" }).success,
      safeParse(person, { name: "Ada", age: "36", mail: "nope" }).success,
    ];
  },
};
console.log((await dumps(value)).toBase64());
