/*
 * What a shared AEAD context costs the record layer (docs/TLS.md): sealing a 101-byte record through OpenSSL 3's EVP
 * API with the key already set (a connection's own context) against setting one of two keys first (one context shared
 * by the connections of a thread, in a fan-out). One million records each way.
 *
 *   cc -O2 bench/openssl-aead-rekey.c -lcrypto -o /tmp/rekey && /tmp/rekey AES-128-GCM
 *   (AES-256-GCM by default; also ChaCha20-Poly1305)
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
int main(int argc,char**argv){
  const char *name = argc>1?argv[1]:"AES-256-GCM";
  EVP_CIPHER *c=EVP_CIPHER_fetch(NULL,name,NULL);
  EVP_CIPHER_CTX *ctx=EVP_CIPHER_CTX_new();
  unsigned char key[2][32]; memset(key[0],1,32); memset(key[1],2,32);
  unsigned char iv[12]={0}, in[120]={0}, out[200], tag[16], aad[5]={23,3,3,0,120};
  EVP_CipherInit_ex2(ctx,c,key[0],iv,1,NULL);
  int n=1000000, l;
  for(int mode=0;mode<2;mode++){
    double t0=now();
    for(int i=0;i<n;i++){
      iv[11]=i;
      if(mode) EVP_CipherInit_ex2(ctx,NULL,key[i&1],iv,1,NULL); else EVP_CipherInit_ex2(ctx,NULL,NULL,iv,1,NULL);
      EVP_CipherUpdate(ctx,NULL,&l,aad,5); EVP_CipherUpdate(ctx,out,&l,in,101); EVP_CipherFinal_ex(ctx,out+l,&l);
      EVP_CIPHER_CTX_ctrl(ctx,EVP_CTRL_AEAD_GET_TAG,16,tag);
    }
    printf("%s %s: %.0f ns/record\n",name,mode?"rekey":"same key",(now()-t0)/n*1e9);
  }
}
