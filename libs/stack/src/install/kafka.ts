import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from '../errors';
import { run } from '../proc';
import { withHeartbeat, type Progress } from '../progress';
import { VERSIONS } from '../versions';

export function kafkaLibDir(cacheDir: string): string {
  return join(cacheDir, 'kafka', VERSIONS.kafka.release, 'libs');
}

export function kafkaInstalled(cacheDir: string): boolean {
  const dir = kafkaLibDir(cacheDir);
  return existsSync(dir) && readdirSync(dir).some((f) => f.startsWith(`kafka_${VERSIONS.kafka.scala}-`));
}

/** Kafka's own command-line tools beyond the broker's (kafka-console-consumer lives in kafka-tools since 3.7). */
function kafkaToolsInstalled(cacheDir: string): boolean {
  const dir = kafkaLibDir(cacheDir);
  return existsSync(dir) && readdirSync(dir).includes(`kafka-tools-${VERSIONS.kafka.release}.jar`);
}

/** The broker comes as Maven Central jars: Maven resolves kafka_2.13, kafka-tools and a logging backend. */
export async function installKafka(cacheDir: string, progress: Progress): Promise<void> {
  const v = VERSIONS.kafka;
  const libDir = kafkaLibDir(cacheDir);
  if (kafkaInstalled(cacheDir) && kafkaToolsInstalled(cacheDir)) {
    progress.step('kafka', `${v.release} already in ${libDir}`);
    return;
  }
  const home = join(cacheDir, 'kafka', v.release);
  mkdirSync(home, { recursive: true });
  const [g, a, ver] = v.slf4jBinding.split(':');
  writeFileSync(
    join(home, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>dev.datawell</groupId><artifactId>kafka-runtime</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>
<dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_${v.scala}</artifactId><version>${v.release}</version></dependency>
<dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${v.release}</version></dependency>
<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${ver}</version></dependency>
</dependencies></project>
`,
  );
  const tmp = `${libDir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  progress.step('kafka', `resolving Apache Kafka ${v.release} jars from Maven Central`);
  await withHeartbeat(
    progress,
    'kafka',
    'still resolving jars',
    run('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime'], { cwd: home }),
  ).catch((e: unknown) => {
    throw new StackError('INSTALL_FAILED', `Maven could not resolve Kafka ${v.release}: ${e instanceof Error ? e.message : String(e)}`, 'kafka', { cause: e });
  });
  if (existsSync(libDir)) {
    // A cache from before kafka-tools: add the missing jars only, since a running broker may be using the others.
    const have = new Set(readdirSync(libDir));
    for (const jar of readdirSync(tmp).filter((f) => !have.has(f))) copyFileSync(join(tmp, jar), join(libDir, jar));
    rmSync(tmp, { recursive: true, force: true });
  } else {
    renameSync(tmp, libDir);
  }
  progress.step('kafka', `${v.release} installed in ${libDir}`);
}
