/** Which host and repository a runtime contacts for a parsed reference. */
import t from 'tap';
import {
  isDockerHub,
  parseReference,
  registryHost,
  registryRepository,
  repositoryScope,
} from '../../../server/reference/index.ts';

const cases: { input: string; hub: boolean; host: string; repository: string; why: string }[] = [
  { why: 'short name', input: 'nginx', hub: true, host: 'registry-1.docker.io', repository: 'library/nginx' },
  {
    why: 'Hub user repo',
    input: 'bitnami/redis:7',
    hub: true,
    host: 'registry-1.docker.io',
    repository: 'bitnami/redis',
  },
  { why: 'docker.io', input: 'docker.io/nginx', hub: true, host: 'registry-1.docker.io', repository: 'library/nginx' },
  { why: 'index.docker.io', input: 'index.docker.io/x/y', hub: true, host: 'registry-1.docker.io', repository: 'x/y' },
  {
    why: 'localhost:5000 alone is Hub',
    input: 'localhost:5000',
    hub: true,
    host: 'registry-1.docker.io',
    repository: 'library/localhost',
  },
  {
    why: 'registry-1.docker.io is contacted as written, not as Hub',
    input: 'registry-1.docker.io/nginx',
    hub: false,
    host: 'registry-1.docker.io',
    repository: 'nginx',
  },
  { why: 'Docker.io is not Hub', input: 'Docker.io/nginx', hub: false, host: 'Docker.io', repository: 'nginx' },
  { why: 'GHCR', input: 'ghcr.io/owner/app:v1', hub: false, host: 'ghcr.io', repository: 'owner/app' },
  { why: 'port kept', input: 'localhost:5000/foo', hub: false, host: 'localhost:5000', repository: 'foo' },
  { why: 'IPv6', input: '[::1]:5000/a/b', hub: false, host: '[::1]:5000', repository: 'a/b' },
  { why: 'uppercase host', input: 'Foo/bar', hub: false, host: 'Foo', repository: 'bar' },
  {
    why: 'empty-domain quirk: containerd takes the first component as host',
    input: 'example_com.io/foo',
    hub: false,
    host: 'example_com.io',
    repository: 'foo',
  },
  { why: 'quirk with a deeper path and tag', input: 'a_b.c/d/e:1', hub: false, host: 'a_b.c', repository: 'd/e' },
];

t.test('host, repository and scope', async (t) => {
  for (const c of cases) {
    const reference = parseReference(c.input);
    t.equal(isDockerHub(reference), c.hub, `${c.why}: isDockerHub`);
    t.equal(registryHost(reference), c.host, `${c.why}: registryHost`);
    t.equal(registryRepository(reference), c.repository, `${c.why}: registryRepository`);
    t.equal(repositoryScope(reference), `repository:${c.repository}:pull`, `${c.why}: repositoryScope`);
  }
});
