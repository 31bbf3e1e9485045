/**
 * The investigator under test: built the way package.json's `build` script builds dist/
 * investigator, but into a private directory (others may be running dist/investigator); when the
 * build fails, `bun run main.ts` instead, and the report says so.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '..')
const BUN = join(ROOT, 'node_modules', '.bin', 'bun')

/** How the investigator is started: the command and what it is (for the report). */
export interface Binary {
  readonly cmd: readonly string[]
  readonly note: string
}

/** The flags of package.json's `build` script, so the suite tests exactly what ships. */
function shippedBuildFlags(): string[] {
  const fallback = ['--compile', '--minify-syntax', '--minify-whitespace', '--bytecode', '--format=esm', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig']
  try {
    const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.build
    const words = script.trim().split(/\s+/)
    if (words[0] !== 'bun' || words[1] !== 'build') return fallback
    const flags: string[] = []
    for (let k = 2; k < words.length; k++) {
      const w = words[k] as string
      if (w === '--outfile') k++
      else if (w.startsWith('--') && !w.startsWith('--outfile=')) flags.push(w)
    }
    return flags.includes('--compile') ? flags : fallback
  } catch {
    return fallback
  }
}

/** Builds the binary as package.json does, into a private directory (never over dist/, which others may run). */
export async function buildBinary(outDir: string): Promise<Binary> {
  const out = join(outDir, 'investigator')
  const flags = shippedBuildFlags()
  const p = Bun.spawn([BUN, 'build', ...flags, 'main.ts', '--outfile', out], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
  if ((await p.exited) === 0) return { cmd: [out], note: `compiled binary (bun build ${flags.join(' ')} main.ts)` }
  const why = (await new Response(p.stderr).text()).trim().split('\n').slice(-3).join(' ')
  return { cmd: [BUN, 'run', join(ROOT, 'main.ts')], note: `build FAILED (${why}); fell back to bun run main.ts` }
}
