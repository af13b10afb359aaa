import { describe, expect, it } from 'vitest';
import { studentSlug } from '@/lab/kafka/credentials';
import { hdfsUser } from './hadoop-homes';

describe('usuario de HDFS de cada alumno', () => {
  it('es su slug (el mismo del prefijo de Kafka); si empieza por una cifra, con _ delante (WebHDFS no admite otra cosa)', () => {
    expect(hdfsUser('Ana García')).toBe('ana_garcia');
    expect(hdfsUser('Ana García')).toBe(studentSlug('Ana García'));
    expect(hdfsUser('2º Bea')).toBe('_2_bea');
    expect(hdfsUser('2º Bea')).toMatch(/^[A-Za-z_][A-Za-z0-9._-]*$/); // dfs.webhdfs.user.provider.user.pattern
  });
});
