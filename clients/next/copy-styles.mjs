// tsc compiles the components; their stylesheet is copied beside them as it is.
import { copyFileSync, mkdirSync } from "node:fs";

mkdirSync("dist/components", { recursive: true });
copyFileSync("src/components/styles.css", "dist/components/styles.css");
