import type { ExerciseCell, ExerciseGrid } from '@/lib/db/exercises';
import { InlineCode } from '@/components/retos/inline-code';
import { findExercise } from '@/lib/retos/exercises';
import { plural } from '@/lib/format/spanish';

/** One Reto as a column of the grid. */
export interface ExerciseColumn {
  /** "<course>/<lesson>/<id>" */
  id: string;
  title: string;
  /** The title of the Reto's lesson. */
  lesson: string;
}

/** «45 s», «2 min 5 s», «1 h 3 min»: how long a student took, read at a glance. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const minutes = Math.floor((s % 3600) / 60);
  return minutes === 0 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 3600)} h ${minutes} min`;
}

function Cell({ cell }: { cell: ExerciseCell }) {
  if (!cell.passed && cell.attempts === 0 && cell.hints === 0 && !cell.solutionSeen) {
    return (
      <td>
        <span className="visually-hidden">Sin intentos</span>
      </td>
    );
  }
  const help = [cell.hints > 0 && plural(cell.hints, 'pista', 'pistas'), cell.solutionSeen && 'vio la solución'].filter(Boolean).join(' · ');
  return (
    <td className={cell.passed ? 'done' : undefined}>
      {cell.passed ? (
        <>
          <span aria-hidden="true">✓</span>
          <span className="visually-hidden">Superado</span>
          {cell.secondsToPass !== null && <> en {formatDuration(cell.secondsToPass)}</>}
        </>
      ) : (
        <span className="visually-hidden">No superado</span>
      )}{' '}
      <span className="exercise-detail">{plural(cell.attempts, 'intento', 'intentos')}</span>
      {help && (
        <>
          {' '}
          <span className="exercise-detail">{help}</span>
        </>
      )}
    </td>
  );
}

/** Reto × student: passed, attempts, hints, solution seen and time to pass. */
export function ExerciseGridTable({ columns, grid }: { columns: ExerciseColumn[]; grid: ExerciseGrid }) {
  return (
    <div className="table-scroll" role="region" aria-label="Retos por alumno" tabIndex={0}>
      <table className="data-table completion-grid exercise-grid">
        <caption className="visually-hidden">
          Reto por alumno: ✓ superado y en cuánto tiempo desde su primera ejecución, intentos comprobados, pistas vistas y si abrió la solución
        </caption>
        <thead>
          <tr>
            <th scope="col">Alumno</th>
            {columns.map((column) => (
              <th key={column.id} scope="col">
                {column.title} <span className="exercise-lesson">{column.lesson}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.rows.map((row) => (
            <tr key={row.studentId}>
              <th scope="row">{row.displayName}</th>
              {columns.map((column) => {
                const cell = row.cells[column.id];
                return cell ? (
                  <Cell key={column.id} cell={cell} />
                ) : (
                  <td key={column.id}>
                    <span className="visually-hidden">Sin intentos</span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Per Reto, the requirement the class misses most often in its failed attempts. */
export function ExerciseStuck({ columns, grid }: { columns: ExerciseColumn[]; grid: ExerciseGrid }) {
  return (
    <ul className="exercise-stuck">
      {columns.map((column) => {
        const stuck = grid.stuck[column.id];
        const label = stuck && (findExercise(column.id)?.requirements.find((r) => r.id === stuck.requirement)?.label ?? stuck.requirement);
        return (
          <li key={column.id}>
            <strong>{column.title}</strong> <span className="exercise-lesson">({column.lesson})</span>
            {stuck && label ? (
              <p>
                <InlineCode text={label} /> ·{' '}
                <span className="exercise-muted">
                  {plural(stuck.attempts, 'intento', 'intentos')} de {plural(stuck.students, 'alumno', 'alumnos')}
                </span>
              </p>
            ) : (
              <p className="exercise-muted">Sin intentos fallidos</p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
